fn main() -> std::process::ExitCode {
    cargo_seal::cli::main()
}
