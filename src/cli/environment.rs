//! What cargo's environment and configuration say, read once for every command that runs cargo.

use std::path::{Path, PathBuf};

use crate::manifest::normalize_path;
use crate::registry::Registries;

/// Cargo's home directory: `CARGO_HOME`, else `~/.cargo`.
pub(super) fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => std::env::home_dir().unwrap_or_default().join(".cargo"),
    }
}

/// The cargo that runs us (`CARGO`, set when run as `cargo seal`), else `cargo` from `PATH`.
pub(super) fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// SEC-TOOLCHAIN: what pins the toolchain of every cargo a rebuild runs to the one the user runs
/// here: rustup's `RUSTUP_TOOLCHAIN`, which rustup sets when it runs us as `cargo seal` (then
/// inherited, nothing to add), else the toolchain rustup names for the current directory. A
/// `rust-toolchain.toml` in the rebuilt tree then selects, installs and runs nothing. Empty
/// without rustup.
pub(super) fn toolchain_pin() -> Vec<(String, String)> {
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some() {
        return Vec::new();
    }
    let active = std::process::Command::new("rustup").args(["show", "active-toolchain"]).output();
    let name = active.ok().filter(|out| out.status.success()).and_then(|out| {
        let text = String::from_utf8(out.stdout).ok()?;
        text.split_whitespace().next().map(str::to_owned)
    });
    name.map(|name| vec![("RUSTUP_TOOLCHAIN".to_owned(), name)]).unwrap_or_default()
}

/// What the cargo that runs us says of its version (`cargo 1.95.0 (f2d3ce0bd 2026-03-21)`), or
/// nothing when it cannot be run.
pub(super) fn cargo_version() -> String {
    std::process::Command::new(cargo_program())
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
}

/// ERA-PACKAGE: the minor release of the cargo at `program` (`cargo 1.85.0 …` is 85), from
/// `cargo -V`. For an absolute path (`$CARGO`, set by `cargo seal`) it is kept in the cache
/// directory by the executable's path, size and modification time, so that only the first run
/// with a cargo asks it; a bare `cargo` may be rustup's proxy, whose toolchain changes from one
/// directory to the next, and is asked every time. `None` when it cannot be run.
pub(super) fn cargo_release(program: &Path) -> Option<u32> {
    let absolute = program.is_absolute().then_some(program);
    let key = absolute.and_then(|path| {
        let meta = std::fs::metadata(path).ok()?;
        let since = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("{}\n{}\n{}", path.display(), meta.len(), since.as_nanos()))
    });
    let cached = key.as_ref().zip(cache_dir()).map(|(key, dir)| {
        use sha2::Digest as _;
        dir.join("cargo-releases").join(format!("{:x}", sha2::Sha256::digest(key.as_bytes())))
    });
    if let Some(minor) = cached.as_ref().and_then(|f| std::fs::read_to_string(f).ok()?.trim().parse().ok()) {
        return Some(minor);
    }
    let out = std::process::Command::new(program).arg("-V").output().ok()?;
    let minor = crate::era::minor_of(&String::from_utf8_lossy(&out.stdout)).ok()?;
    if let Some(file) = cached {
        // A cache that cannot be written only costs the next run a `cargo -V`.
        drop(
            file.parent()
                .map(std::fs::create_dir_all)
                .transpose()
                .and_then(|_| std::fs::write(&file, minor.to_string())),
        );
    }
    Some(minor)
}

/// Where this tool keeps what cargo would cache in a target directory when there is none to
/// borrow (`verify` rebuilds in a new one): `$XDG_CACHE_HOME/cargo-seal`, else
/// `~/.cache/cargo-seal`.
pub(super) fn cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        _ => std::env::home_dir()?.join(".cache"),
    };
    Some(base.join("cargo-seal"))
}

/// What cargo's configuration (its files from the current directory up and in `CARGO_HOME`,
/// `CARGO_*` variables, and `--config` values, each overriding the one before) says before any
/// cargo process runs.
pub(super) struct CargoConfig {
    /// `build.target-dir` (`CARGO_TARGET_DIR`, `CARGO_BUILD_TARGET_DIR`), absolute.
    pub target_dir: Option<PathBuf>,
    /// Read, and free of what would make a cargo process decide otherwise than the rules that
    /// leave cargo out assume: `build.build-dir`, `[patch]`, `include`, `--config`.
    pub plain: bool,
    /// `term.quiet`, `term.verbose` (`CARGO_TERM_QUIET`, `CARGO_TERM_VERBOSE`).
    pub quiet: Option<bool>,
    pub verbose: Option<bool>,
    /// `term.color` (`CARGO_TERM_COLOR`): `auto`, `always` or `never`.
    pub color: Option<&'static str>,
    /// `net.offline` (`CARGO_NET_OFFLINE`).
    pub offline: bool,
    /// `registries.<name>.index` (`CARGO_REGISTRIES_<NAME>_INDEX`), how crates.io is reached
    /// (`registries.crates-io.protocol`) and `registry.default`.
    pub registries: Registries,
}

impl CargoConfig {
    /// `cli_values` holds the `--config` values, which cargo-seal passes to every cargo it runs; a value
    /// that is neither `KEY=VALUE` nor a readable file is left for cargo to refuse.
    pub fn read(cwd: &Path, cli_values: &[String]) -> Self {
        // cargo-config2 names `CARGO_REGISTRIES_MY_REG_INDEX` `MY_REG`; cargo names it `my-reg`.
        let env = std::env::vars_os().filter(|(key, _)| !key.to_string_lossy().starts_with("CARGO_REGISTRIES_"));
        let options = cargo_config2::ResolveOptions::default().env(env);
        let cli = cli_tables(cli_values, cwd);
        let cli_str = |key: &str| lookup(&cli, key).and_then(|v| v.as_str().map(str::to_owned));
        let cli_bool = |key: &str| lookup(&cli, key).and_then(toml::Value::as_bool);
        let mut config = match cargo_config2::Config::load_with_options(cwd, options) {
            Ok(config) => Self::from_files_and_env(cwd, config),
            Err(_) => Self::from_env(cwd),
        };
        config.plain &= cli_values.is_empty();
        let registries = &mut config.registries;
        for (key, value) in std::env::vars() {
            if let Some(name) = key.strip_prefix("CARGO_REGISTRIES_").and_then(|k| k.strip_suffix("_INDEX")) {
                registries.indexes.insert(name.to_ascii_lowercase().replace('_', "-"), value);
            }
        }
        for table in &cli {
            let named = table.get("registries").and_then(toml::Value::as_table).into_iter().flatten();
            for (name, value) in named {
                if let Some(index) = value.get("index").and_then(toml::Value::as_str) {
                    registries.indexes.insert(name.clone(), index.to_owned());
                }
            }
        }
        let protocol = cli_str("registries.crates-io.protocol")
            .or_else(|| std::env::var("CARGO_REGISTRIES_CRATES_IO_PROTOCOL").ok());
        if let Some(protocol) = protocol {
            registries.crates_io = crates_io_source(&protocol);
        }
        if let Some(dir) = cli_str("build.target-dir") {
            config.target_dir = Some(normalize_path(&cwd.join(dir)));
        }
        config.quiet = cli_bool("term.quiet").or(config.quiet);
        config.verbose = cli_bool("term.verbose").or(config.verbose);
        config.color = cli_str("term.color").map(|c| color_name(&c)).or(config.color);
        config.offline = cli_bool("net.offline").unwrap_or(config.offline);
        registries.default = cli_str("registry.default").or(registries.default.take());
        for index in registries.indexes.values_mut() {
            // As cargo reads it: a URL, serialized as the `url` crate does.
            if let Ok(url) = url::Url::parse(index) {
                *index = url.to_string();
            }
        }
        config
    }

    fn from_files_and_env(cwd: &Path, config: cargo_config2::Config) -> Self {
        let files_plain = cargo_config2::Walk::new(cwd).all(|file| {
            let table = std::fs::read_to_string(&file).ok().and_then(|text| text.parse::<toml::Table>().ok());
            table.is_some_and(|table| !table.contains_key("patch") && !table.contains_key("include"))
        });
        let git = config
            .registries
            .get("crates-io")
            .is_some_and(|r| r.protocol == Some(cargo_config2::RegistriesProtocol::Git));
        let registries = Registries {
            indexes: config.registries.iter().filter_map(|(name, r)| Some((name.clone(), r.index.clone()?))).collect(),
            crates_io: crates_io_source(if git { "git" } else { "sparse" }),
            default: config.registry.default,
        };
        CargoConfig {
            target_dir: config.build.target_dir.map(|dir| normalize_path(&cwd.join(dir))),
            plain: files_plain && config.build.build_dir.is_none(),
            quiet: config.term.quiet,
            verbose: config.term.verbose,
            color: config.term.color.map(|color| match color {
                cargo_config2::Color::Always => "always",
                cargo_config2::Color::Never => "never",
                _ => "auto",
            }),
            offline: config.net.offline.unwrap_or(false),
            registries,
        }
    }

    /// What the environment alone says, when the files cannot be read (cargo will say why).
    fn from_env(cwd: &Path) -> Self {
        CargoConfig {
            target_dir: std::env::var_os("CARGO_TARGET_DIR").map(|dir| normalize_path(&cwd.join(dir))),
            plain: false,
            quiet: None,
            verbose: None,
            color: std::env::var("CARGO_TERM_COLOR").ok().map(|c| color_name(&c)),
            offline: false,
            registries: Registries { crates_io: crates_io_source("sparse"), ..Registries::default() },
        }
    }
}

fn color_name(when: &str) -> &'static str {
    match when {
        "always" => "always",
        "never" => "never",
        _ => "auto",
    }
}

/// How cargo names crates.io: its sparse index unless the protocol is `git`.
fn crates_io_source(protocol: &str) -> String {
    match protocol {
        "git" => "registry+https://github.com/rust-lang/crates.io-index".to_owned(),
        _ => "sparse+https://index.crates.io/".to_owned(),
    }
}

/// `--config` values as cargo takes them: `KEY=VALUE` is a TOML dotted key and its value, anything
/// else the path of a configuration file.
fn cli_tables(values: &[String], cwd: &Path) -> Vec<toml::Table> {
    values
        .iter()
        .filter_map(|value| match value.parse::<toml::Table>() {
            Ok(table) if value.contains('=') => Some(table),
            _ => std::fs::read_to_string(cwd.join(value)).ok()?.parse().ok(),
        })
        .collect()
}

/// The value of a dotted `key` in the last of `tables` that has it.
fn lookup<'a>(tables: &'a [toml::Table], key: &str) -> Option<&'a toml::Value> {
    tables.iter().rev().find_map(|table| {
        let mut parts = key.split('.');
        let first = table.get(parts.next()?)?;
        parts.try_fold(first, |value, part| value.get(part))
    })
}
