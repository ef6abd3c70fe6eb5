//! What cargo's environment and configuration say, read once for every command that runs cargo.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::manifest::normalize_path;

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

/// What the cargo that runs us says of its version (`cargo 1.95.0 (f2d3ce0bd 2026-03-21)`), or
/// nothing when it cannot be run.
pub(super) fn cargo_version() -> String {
    std::process::Command::new(cargo_program())
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
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
/// and `CARGO_*` variables) says before any cargo process runs.
pub(super) struct CargoConfig {
    /// `build.target-dir` (`CARGO_TARGET_DIR`, `CARGO_BUILD_TARGET_DIR`), absolute.
    pub target_dir: Option<PathBuf>,
    /// Read, and free of what would make a cargo process decide otherwise than the rules that
    /// leave cargo out assume: `build.build-dir`, `[patch]`, `include`.
    pub plain: bool,
    /// `term.quiet`, `term.verbose` (`CARGO_TERM_QUIET`, `CARGO_TERM_VERBOSE`).
    pub quiet: Option<bool>,
    pub verbose: Option<bool>,
    /// `term.color` (`CARGO_TERM_COLOR`): `auto`, `always` or `never`.
    pub color: Option<&'static str>,
    /// `net.offline` (`CARGO_NET_OFFLINE`).
    pub offline: bool,
}

impl CargoConfig {
    pub fn read(cwd: &Path) -> Self {
        let Ok(config) = cargo_config2::Config::load_with_cwd(cwd) else {
            let target_dir = std::env::var_os("CARGO_TARGET_DIR").map(|dir| normalize_path(&cwd.join(dir)));
            let color = match std::env::var("CARGO_TERM_COLOR").as_deref() {
                Ok("always") => Some("always"),
                Ok("never") => Some("never"),
                _ => None,
            };
            return CargoConfig { target_dir, plain: false, quiet: None, verbose: None, color, offline: false };
        };
        let files_plain = cargo_config2::Walk::new(cwd).all(|file| {
            let table = std::fs::read_to_string(&file).ok().and_then(|text| text.parse::<toml::Table>().ok());
            table.is_some_and(|table| !table.contains_key("patch") && !table.contains_key("include"))
        });
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
        }
    }
}

/// How cargo names crates.io: its sparse index unless `registries.crates-io.protocol` is `git`.
pub(super) fn crates_io_source() -> String {
    match std::env::var("CARGO_REGISTRIES_CRATES_IO_PROTOCOL").as_deref() {
        Ok("git") => "registry+https://github.com/rust-lang/crates.io-index".to_owned(),
        _ => "sparse+https://index.crates.io/".to_owned(),
    }
}

/// `CARGO_REGISTRIES_<NAME>_INDEX` variables, the environment form of `registries.<name>.index`.
pub(super) fn registries_from_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("CARGO_REGISTRIES_")?.strip_suffix("_INDEX")?;
            Some((name.to_ascii_lowercase().replace('_', "-"), value))
        })
        .collect()
}
