//! Cargo-style terminal output: right-aligned status verbs, `warning:` and `error:` lines.

use std::io::{IsTerminal, Write};

const YELLOW: u8 = 33;
const BRIGHT_RED: u8 = 91;
const BRIGHT_GREEN: u8 = 92;
const BRIGHT_BLUE: u8 = 94;

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
        let mut shell = Shell { verbosity: Verbosity::Normal, color: false };
        shell.set_color(std::env::var("CARGO_TERM_COLOR").as_deref().unwrap_or("auto"));
        shell
    }

    /// Whether messages are colored.
    pub fn is_colored(&self) -> bool {
        self.color
    }

    /// `--color WHEN` (`always`, `never`, anything else `auto`: color on a terminal).
    pub fn set_color(&mut self, when: &str) {
        self.color = match when {
            "always" => true,
            "never" => false,
            _ => std::io::stderr().is_terminal(),
        };
    }

    /// A status line such as `   Packaging foo v0.1.0 (/path)`.
    pub fn status(&mut self, verb: &str, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            let verb = self.paint(&format!("{verb:>12}"), BRIGHT_GREEN);
            let _ = writeln!(std::io::stderr(), "{verb} {message}");
        }
    }

    pub fn warn(&mut self, message: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            let label = self.paint("warning", YELLOW);
            let _ = writeln!(std::io::stderr(), "{label}: {message}");
        }
    }

    /// A warning with a note below it, as cargo draws them:
    ///
    /// ```text
    /// warning: <message>
    ///   |
    ///   = note: <note>
    /// ```
    pub fn warn_with_note(&mut self, message: impl std::fmt::Display, note: impl std::fmt::Display) {
        if self.verbosity > Verbosity::Quiet {
            let (label, bar, equals) =
                (self.paint("warning", YELLOW), self.paint("|", BRIGHT_BLUE), self.paint("= ", BRIGHT_BLUE));
            let note_label = if self.color { "\x1b[1mnote\x1b[0m" } else { "note" };
            let _ = writeln!(std::io::stderr(), "{label}: {message}\n  {bar}\n  {equals}{note_label}: {note}");
        }
    }

    /// An error cargo reports before it reads its color settings: never colored.
    pub fn print_error_text(&mut self, text: &str) {
        let _ = writeln!(std::io::stderr(), "error: {text}");
    }

    /// An error and its causes, as cargo prints them.
    pub fn error(&mut self, error: &dyn std::error::Error) {
        let label = self.paint("error", BRIGHT_RED);
        let mut text = format!("{label}: {error}");
        let mut source = error.source();
        if source.is_some() {
            text.push_str("\n\nCaused by:");
        }
        while let Some(cause) = source {
            for line in cause.to_string().lines() {
                text.push('\n');
                if !line.is_empty() {
                    text.push_str("  ");
                    text.push_str(line);
                }
            }
            source = cause.source();
        }
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    /// A line of the command's result on standard output.
    pub fn print(&mut self, line: impl std::fmt::Display) {
        let _ = writeln!(std::io::stdout(), "{line}");
    }

    /// `text` in bold and `color` (an ANSI color code), as cargo 1.95 writes it, when color is on.
    fn paint(&self, text: &str, color: u8) -> String {
        if self.color { format!("\x1b[1m\x1b[{color}m{text}\x1b[0m") } else { text.to_owned() }
    }
}
