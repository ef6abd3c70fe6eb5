//! Running cargo: how every cargo process this tool starts is set up (the run's configuration,
//! target directory and variables: the lock step of `LOCK-RUN`, the verification build, `cargo
//! fetch`, and `cargo metadata` through `cargo_metadata` with the same settings), and what it
//! ended with.

use std::path::PathBuf;
use std::process::Command;

/// A cargo process could not run, or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to run `{}`", program.display())]
    Spawn { program: PathBuf, source: std::io::Error },
    #[error("`{command}` failed:\n{stderr}")]
    Failed { command: String, stderr: String },
    /// The messages are on the screen, except the error cargo ended with when it was taken
    /// from them.
    #[error("`{command}` failed (its messages are above)")]
    Shown { command: String, ended_with: Option<CargoError> },
}

/// The error a cargo process ended with, read from what it printed: `error: <message>`, then
/// after `Caused by:` its causes, indented.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CargoError {
    message: String,
    #[source]
    causes: Option<Box<CargoError>>,
}

impl CargoError {
    /// From cargo's error output: its last `error:` block (what comes before, warnings, is left).
    pub(crate) fn parse(text: &str) -> Self {
        let last = text.rfind("\nerror:").map_or(text, |at| &text[at + 1..]);
        let text = last.strip_prefix("error:").unwrap_or(last).trim_start_matches(' ');
        let (message, causes) = match text.split_once("\n\nCaused by:\n") {
            Some((message, causes)) => {
                let causes: Vec<&str> = causes.lines().map(|l| l.strip_prefix("  ").unwrap_or(l)).collect();
                let causes = CargoError { message: causes.join("\n").trim_end().to_owned(), causes: None };
                (message, Some(Box::new(causes)))
            }
            None => (text, None),
        };
        CargoError { message: message.trim_end().to_owned(), causes }
    }
}

/// `line` without terminal color sequences (`ESC [ … m`), as text.
#[cfg(feature = "git")]
fn without_color(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("\x1b[") {
        out.push_str(&rest[..start]);
        rest = &rest[start + 2..];
        let end = rest.find(|c: char| c.is_ascii_alphabetic()).map_or(rest.len(), |i| i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// How to run cargo.
#[derive(Debug, Clone)]
pub struct Cargo {
    /// The cargo executable (`$CARGO` when run as `cargo seal`).
    pub program: PathBuf,
    /// Cargo's home (`CARGO_HOME`, else `~/.cargo`), where it unpacks registry packages.
    pub home: PathBuf,
    /// The directory cargo runs in: its configuration files are found from there, as for the
    /// `cargo package` this replaces.
    pub cwd: PathBuf,
    /// Cargo's own caches go here (`--target-dir`), never into the package's directory; `None`
    /// leaves the choice to cargo's configuration.
    pub target_dir: Option<PathBuf>,
    /// Where cargo keeps its record of the compiler (`.rustc_info.json`) for this workspace: its
    /// build directory, which is the target directory unless configured otherwise.
    pub build_dir: Option<PathBuf>,
    /// The caller read cargo's configuration, and it holds nothing that the rules for leaving
    /// cargo out assume absent: no `build.build-dir`, no `[patch]`, no `include`
    /// (`WS-STANDALONE`, `LOCK-NODEPS`).
    pub plain_config: bool,
    pub offline: bool,
    pub locked: bool,
    pub frozen: bool,
    /// Variables set for every cargo process (`--verify-reproducible` runs cargo under another
    /// `TZ`).
    pub env: Vec<(String, String)>,
    /// `--config` values, given to every cargo process.
    pub config: Vec<String>,
}

impl Cargo {
    /// `cargo <args>` run where the user ran us, with its caches in the target directory.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.program);
        command.args(self.config_args()).args(args).current_dir(&self.cwd).envs(self.env.iter().map(|(k, v)| (k, v)));
        command.env("CARGO_TERM_COLOR", "never");
        if let Some(dir) = &self.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        command
    }

    /// `--config <value>` for each `--config` value.
    pub(crate) fn config_args(&self) -> Vec<String> {
        self.config.iter().flat_map(|value| ["--config".to_owned(), value.clone()]).collect()
    }

    /// Runs cargo with its messages going where ours go (standard error), as a build that
    /// `cargo package` runs shows them. With `relay`, they pass through this process line by
    /// line, except the error cargo ends with, which is returned: cargo, building in its own
    /// process, reports it as the cause of its own failure. A compiler failure
    /// ("could not compile") is shown where it is, as cargo shows it.
    #[cfg(feature = "git")]
    pub(crate) fn run_shown(&self, mut command: Command, relay: bool) -> Result<(), Error> {
        use std::io::{BufRead, Write};
        let shown = format!("{command:?}");
        let spawn_error = |source| Error::Spawn { program: self.program.clone(), source };
        if !relay {
            let status = command.status().map_err(spawn_error)?;
            return if status.success() { Ok(()) } else { Err(Error::Shown { command: shown, ended_with: None }) };
        }
        let mut child = command.stderr(std::process::Stdio::piped()).spawn().map_err(spawn_error)?;
        let mut from_child = std::io::BufReader::new(child.stderr.take().expect("stderr is piped"));
        let mut stderr = std::io::stderr();
        // From the last line that starts an error to the end: perhaps the final error.
        let mut held: Vec<u8> = Vec::new();
        let mut line = Vec::new();
        while from_child.read_until(b'\n', &mut line).map_err(spawn_error)? > 0 {
            // An error line starts a new held block (what was held is shown); other lines join
            // the held block, if there is one.
            if without_color(&line).starts_with("error:") {
                let _ = stderr.write_all(&std::mem::take(&mut held));
                held.extend_from_slice(&line);
            } else if held.is_empty() {
                let _ = stderr.write_all(&line);
            } else {
                held.extend_from_slice(&line);
            }
            line.clear();
        }
        let status = child.wait().map_err(spawn_error)?;
        let text = without_color(&held);
        if status.success() || text.is_empty() || text.starts_with("error: could not compile") {
            let _ = stderr.write_all(&held);
            return if status.success() { Ok(()) } else { Err(Error::Shown { command: shown, ended_with: None }) };
        }
        Err(Error::Shown { command: shown, ended_with: Some(CargoError::parse(&text)) })
    }

    /// Runs cargo, returning its error output as the error when it fails.
    pub(crate) fn run(&self, mut command: Command) -> Result<(), Error> {
        let shown = format!("{command:?}");
        let output = command.output().map_err(|source| Error::Spawn { program: self.program.clone(), source })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::Failed { command: shown, stderr: String::from_utf8_lossy(&output.stderr).trim_end().to_owned() })
        }
    }
}
