//! Cargo-style terminal output: right-aligned status verbs, `warning:` and `error:` lines.

use std::io::{IsTerminal, Write};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Writes cargo-style messages to standard error and results to standard output.
pub struct Shell {
    pub verbosity: Verbosity,
    color: bool,
}

impl Shell {
    /// Color follows `CARGO_TERM_COLOR` (`auto`, `always`, `never`), as cargo's does.
    pub fn from_env() -> Self {
        let color = match std::env::var("CARGO_TERM_COLOR").as_deref() {
            Ok("always") => true,
            Ok("never") => false,
            _ => std::io::stderr().is_terminal(),
        };
        Shell { verbosity: Verbosity::Normal, color }
    }

    /// A status line such as `   Packaging foo v0.1.0 (/path)`.
    pub fn status(&mut self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            let verb = self.paint(verb, "1;32", true);
            let _ = writeln!(std::io::stderr(), "{verb} {message}");
        }
    }

    pub fn warn(&mut self, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            let label = self.paint("warning", "1;33", false);
            let _ = writeln!(std::io::stderr(), "{label}: {message}");
        }
    }

    /// An error and its causes, as cargo prints them.
    pub fn error(&mut self, error: &dyn std::error::Error) {
        let label = self.paint("error", "1;31", false);
        let mut text = format!("{label}: {error}");
        let mut source = error.source();
        if source.is_some() {
            text.push_str("\n\nCaused by:");
        }
        while let Some(cause) = source {
            for line in cause.to_string().lines() {
                text.push_str("\n  ");
                text.push_str(line);
            }
            source = cause.source();
        }
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    /// A line of the command's result on standard output.
    pub fn print(&mut self, line: impl std::fmt::Display) {
        let _ = writeln!(std::io::stdout(), "{line}");
    }

    fn paint(&self, text: &str, style: &str, status: bool) -> String {
        let text = if status { format!("{text:>12}") } else { text.to_owned() };
        if self.color { format!("\x1b[{style}m{text}\x1b[0m") } else { text }
    }
}
