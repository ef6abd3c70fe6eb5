//! `cargo seal audit`: every registry crate of a lock file, verified against its repository.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use serde_json::json;

use crate::audit::vsa::PolicyRef;
use crate::audit::{self, Level, Policy, Progress};
use crate::compare::Verdict;
use crate::ops::attestation::Directory;
use crate::ops::{
    self,
    audit::{Download, Event, Input, Outcome, Request, Results, Vsa},
};
use crate::provenance;
use crate::sigstore::Checker;

mod html;
mod report;
mod sarif;

use super::common::{FetchLimitArgs, LimitArgs, RepoArgs, SignerArgs, manifest_path, signing_key, verify_settings};
use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK, Shell};

#[derive(Debug, clap::Args)]
// Where the crates' results come from: repositories to verify against, or shard outputs.
#[command(group(clap::ArgGroup::new("sources").args(["repos", "repo_map", "merge"]).required(true).multiple(true)))]
pub struct Args {
    /// Path to Cargo.toml: its workspace's Cargo.lock is audited
    #[arg(long, value_name = "PATH", conflicts_with = "lockfile")]
    manifest_path: Option<PathBuf>,

    /// The Cargo.lock to audit
    #[arg(long, value_name = "PATH")]
    lockfile: Option<PathBuf>,

    /// Audit the crates listed in FILE instead of a lock file: `name@version` or `name` (the
    /// newest in the index) a line, resolved by cargo
    #[arg(long, value_name = "FILE", conflicts_with_all = ["lockfile", "manifest_path"])]
    crates: Option<PathBuf>,

    /// Only these crates (`name` or `name@version`, repeatable)
    #[arg(short, long, value_name = "SPEC")]
    package: Vec<String>,

    /// Not these crates (`name` or `name@version`, repeatable)
    #[arg(long, value_name = "SPEC")]
    exclude: Vec<String>,

    #[command(flatten)]
    repositories: RepoArgs,

    /// Crates verified at once [default: the machine's cores]
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,

    /// The weakest verdict that still passes, for crates the policy names no exception for
    #[arg(long, value_name = "LEVEL", default_value = "identical", value_parser = level_parser())]
    accept: Level,

    /// Fail (exit 1) on warnings too, such as a policy exception that names no crate of the lock
    #[arg(long)]
    deny_warnings: bool,

    /// A TOML policy: `accept`, and `[[exception]]` tables with `name`, `version`, `accept`, `reason`
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Do not accept a crate identical only with the file times, modes and owners its archive
    /// records (packaged by cargo 1.49 or earlier)
    #[arg(long)]
    refuse_recorded: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    format: AuditFormat,

    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// The date the HTML report shows (none unless given, so that the same audit writes the
    /// same page)
    #[arg(long, value_name = "TEXT")]
    date: Option<String>,

    /// Audit the Kth of N equal shares of the crates (for N machines; `--merge` joins their
    /// jsonl outputs into one whole report)
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,

    /// Verify nothing: report from these `--format jsonl` outputs of `--shard` runs, which must
    /// hold every selected crate once, judged by this run's policy
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["repos", "repo_map", "fetch", "shard", "jobs", "no_cache", "offline"])]
    merge: Vec<PathBuf>,

    /// Run without accessing the network: cargo reads only its local copy of the registry index
    #[arg(long)]
    offline: bool,

    /// Verify every crate again, ignoring the results kept from earlier runs
    #[arg(long)]
    no_cache: bool,

    #[command(flatten)]
    limits: LimitArgs,

    #[command(flatten)]
    fetch_limits: FetchLimitArgs,

    /// Check each crate's Sigstore bundle in DIR (`NAME-VERSION.crate.sigstore.json`, or
    /// `sha256:HEX.jsonl` as `gh attestation download` writes): bound to the crate's repository and
    /// commit; a refused one fails the crate
    #[arg(long, value_name = "DIR", help_heading = "Signer", conflicts_with = "merge")]
    attestations: Option<PathBuf>,

    /// Fail a crate that has no attestation in `--attestations`
    #[arg(long, help_heading = "Signer")]
    require_attestations: bool,

    #[command(flatten)]
    signer: SignerArgs,

    /// Sign a SLSA verification summary (VSA v1) of each crate with this ed25519 key, into `--vsa`
    #[arg(long, value_name = "KEYFILE", requires = "vsa")]
    attest: Option<PathBuf>,

    /// Where the signed VSAs go: one DSSE envelope per crate and line
    #[arg(long, value_name = "FILE", requires = "attest")]
    vsa: Option<PathBuf>,

    /// Write each VSA as a Sigstore bundle v0.3 (the envelope with a public-key hint)
    #[arg(long, requires = "attest")]
    vsa_bundle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuditFormat {
    /// A line per crate and the counts
    Human,
    /// One JSON document
    Json,
    /// One JSON document per crate and line (shards concatenate)
    Jsonl,
    /// A table for a CI job summary
    Markdown,
    /// One self-contained page: the counts as a chart, a sortable table, each verdict explained
    Html,
    /// SARIF 2.1.0 for code-scanning dashboards: a result per crate not accepted, at its entry in
    /// the lock file
    Sarif,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    match try_run(&args, shell) {
        Ok(code) => code,
        Err(err) => {
            shell.error(err.as_ref());
            EXIT_ERROR
        }
    }
}

/// `--accept`: a verdict or `unverifiable`, the levels a policy file's `accept` takes.
fn level_parser() -> impl clap::builder::TypedValueParser<Value = Level> {
    use clap::ValueEnum as _;
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    let verdicts = Verdict::value_variants().iter().filter_map(Verdict::to_possible_value);
    let unverifiable = PossibleValue::new("unverifiable").help("Anything, even a crate that could not be verified");
    PossibleValuesParser::new(verdicts.chain([unverifiable]))
        .map(|name: String| Level::parse(&name).expect("every possible value is a level"))
}

/// AUD-ATTEST: the `--attestations` directory, its signer policy and trusted root loaded once; no
/// signer flag without it (it would constrain nothing).
fn attestations(args: &Args) -> Result<Option<Directory>, Box<dyn std::error::Error>> {
    let Some(dir) = &args.attestations else {
        if let Some(flag) = args.signer.given().first() {
            return Err(format!(
                "`{flag}` says who must have signed the attestations: give them with `--attestations DIR`"
            )
            .into());
        }
        if args.require_attestations && args.merge.is_empty() {
            return Err("`--require-attestations` needs the attestations: give them with `--attestations DIR`".into());
        }
        return Ok(None);
    };
    let checker = Checker::new(&args.signer.root())?;
    Ok(Some(Directory::new(dir.clone(), args.signer.identity()?, checker)?))
}

fn try_run(args: &Args, shell: &mut Shell) -> Result<u8, Box<dyn std::error::Error>> {
    let cwd = std::env::current_dir()?;
    let lockfile = match (&args.crates, &args.lockfile, &args.manifest_path) {
        (Some(list), ..) => cwd.join(list),
        (None, Some(lockfile), _) => cwd.join(lockfile),
        (None, None, manifest) => find_lockfile(&cwd, manifest.as_deref())?,
    };
    let policy = match &args.policy {
        Some(path) => Policy::read(path, args.accept)?,
        None => Policy::new(args.accept),
    };
    let refuse_recorded = args.refuse_recorded || policy.refuse_recorded;
    let policy = Policy { require_attestations: args.require_attestations, refuse_recorded, ..policy };
    let attestations = attestations(args)?;
    // AUD-VSA: the key first, so that an unreadable one stops the run before anything is audited.
    let key = args.attest.as_deref().map(|key| signing_key(key, shell)).transpose()?;
    let selection = audit::Selection { packages: args.package.clone(), exclude: args.exclude.clone() };
    let policy_file = args.policy.as_deref().unwrap_or(Path::new("")).display().to_string();
    // Status lines go to standard error, above the progress bar once there is one.
    let status = Mutex::new(&mut *shell);
    let bar: OnceLock<indicatif::ProgressBar> = OnceLock::new();
    let say = |verb: &str, line: &str| {
        let mut shell = status.lock().expect("no status line panics");
        match bar.get() {
            Some(bar) => bar.suspend(|| shell.status(verb, line)),
            None => shell.status(verb, line),
        }
    };
    let results = match args.merge.is_empty() {
        true => Results::Verify {
            shard: args.shard.clone(),
            options: Box::new(audit::Options {
                cargo_home: super::environment::cargo_home(),
                locator: args.repositories.locator()?,
                mirrors: args.repositories.fetch.then(|| {
                    args.fetch_limits.mirrors(|remote| say("Updating", &format!("git repository `{}`", remote.url)))
                }),
                jobs: args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
                settings: verify_settings(args.offline)?,
                limits: args.limits.limits(),
                cache: (!args.no_cache).then(super::environment::cache_dir).flatten().map(|dir| dir.join("audit")),
                tool: tool_build(),
                attestations: attestations.as_ref().map(|directory| {
                    let attest: Box<audit::Attest<'_>> =
                        Box::new(|krate, published| directory.attestation(krate, published));
                    attest
                }),
            }),
            download: args
                .repositories
                .fetch
                .then(|| Download { manifest: args.manifest_path.as_ref().map(|m| cwd.join(m)) }),
        },
        false => Results::Merge(args.merge.clone()),
    };
    let vsa = match (&key, &args.vsa) {
        (Some(key), Some(path)) => Some(Vsa {
            key,
            path: path.clone(),
            policy: PolicyRef {
                file: args
                    .policy
                    .as_deref()
                    .zip(policy.sha256.clone())
                    .map(|(path, sha256)| (relative_uri(path, &cwd), sha256)),
            },
            form: if args.vsa_bundle { provenance::Form::Bundle } else { provenance::Form::Envelope },
        }),
        _ => None,
    };
    let input = match &args.crates {
        Some(_) => Input::Crates { path: lockfile.clone(), cargo: verify_settings(args.offline)?.cargo },
        None => Input::Lockfile(lockfile.clone()),
    };
    let request = Request { input, policy: &policy, selection, results, vsa };
    // The crates being verified now, for the progress bar.
    let in_flight: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let outcome = ops::audit::run(request, &|event| match event {
        Event::Unused(exception) => {
            let version = exception.version.as_ref().map(|v| format!(" (version `{v}`)")).unwrap_or_default();
            let line = format!(
                "the exception for `{}`{version} in `{policy_file}` names no crate of `{}`: remove it",
                exception.name,
                lockfile.display()
            );
            status.lock().expect("no status line panics").warn(line);
        }
        // On a terminal, a progress bar as cargo draws one.
        Event::Verifying { crates } => {
            if std::io::stderr().is_terminal() {
                let _ = bar.set(progress_bar(crates as u64));
            }
        }
        Event::Progress(progress) => {
            let mut in_flight = in_flight.lock().expect("no progress line panics");
            match progress {
                Progress::Started(krate) => in_flight.push(format!("{} v{}", krate.name, krate.version)),
                Progress::Finished(a) => {
                    let reason = a.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                    let cached = if a.cached { " (verified earlier)" } else { "" };
                    say("Audited", &format!("{} v{}: {}{reason}{cached}", a.name, a.version, a.verdict));
                    let id = format!("{} v{}", a.name, a.version);
                    in_flight.retain(|k| *k != id);
                    if let Some(bar) = bar.get() {
                        bar.inc(1);
                    }
                }
            }
            if let Some(bar) = bar.get() {
                bar.set_message(in_flight.join(", "));
            }
        }
    });
    if let Some(bar) = bar.get() {
        bar.finish_and_clear();
    }
    let Outcome { crates, audited, unused, signed } = outcome?;
    let shell = status.into_inner().expect("no status line panics");
    if let (Some(path), Some(key)) = (&args.vsa, &key) {
        let keyid = key.public().keyid();
        shell.status(
            "Attested",
            format_args!("{signed} verification summaries with key {keyid} in `{}`", path.display()),
        );
    }
    let rendered = match args.format {
        AuditFormat::Human => report::human(&audited),
        AuditFormat::Json => {
            let unused: Vec<_> = unused
                .iter()
                .map(|e| json!({ "name": e.name, "version": e.version.as_ref().map(ToString::to_string), "reason": e.reason }))
                .collect();
            let document = json!({
                "lockfile": lockfile.display().to_string(),
                "summary": report::summary(&audited),
                "unused_exceptions": unused,
                "crates": audited,
            });
            format!("{document}\n")
        }
        AuditFormat::Jsonl => audited.iter().map(|a| format!("{}\n", json!(a))).collect(),
        AuditFormat::Markdown => report::markdown(&audited),
        AuditFormat::Html => {
            let lockfile = relative_uri(&lockfile, &cwd);
            let policy = match &args.policy {
                Some(path) => format!("{} (default {})", relative_uri(path, &cwd), policy.accept.as_str()),
                None => format!("accept {}", policy.accept.as_str()),
            };
            html::page(&audited, &html::Page { lockfile: &lockfile, policy: &policy, date: args.date.as_deref() })
        }
        AuditFormat::Sarif => {
            let uri = relative_uri(&lockfile, &cwd);
            format!("{:#}\n", sarif::log(&audited, &crates, &uri))
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?,
        None => shell.print(rendered.trim_end()),
    }
    let warned = args.deny_warnings && !unused.is_empty();
    Ok(if audited.iter().all(|a| a.accepted) && !warned { EXIT_OK } else { EXIT_MISMATCH })
}

/// `path` as a URI reference relative to `base` (where the audit ran, a checkout's root in CI), so
/// that dashboards find the file and no report names a directory of the machine.
fn relative_uri(path: &Path, base: &Path) -> String {
    let rel = pathdiff::diff_paths(path, base).unwrap_or_else(|| path.to_owned());
    let segments: Vec<String> = rel
        .components()
        .map(|c| {
            let text = c.as_os_str().to_string_lossy();
            text.chars()
                .map(|ch| match ch {
                    'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' => ch.to_string(),
                    other => other.to_string().bytes().map(|b| format!("%{b:02X}")).collect(),
                })
                .collect()
        })
        .collect();
    segments.join("/")
}

/// This build of the tool, for the result cache: its version, and its executable's size and
/// modification time, so that a rebuilt tool of the same version does not trust results an older
/// build left.
fn tool_build() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let build = exe.ok().and_then(|m| {
        let since = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("{} {}", m.len(), since.as_nanos()))
    });
    format!("{} {}", env!("CARGO_PKG_VERSION"), build.as_deref().unwrap_or("unknown"))
}

/// Cargo's progress bar, with the time so far and an estimate of the rest, and the crates being
/// verified: `    Auditing [=====>     ] 3/10 00:12 (eta 28s): a v1.0.0, b v2.1.0`.
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>12.cyan.bold} [{bar:27}] {pos}/{len} {elapsed} (eta {eta}): {wide_msg}",
    )
    .expect("a valid template")
    .progress_chars("=> ");
    let bar = indicatif::ProgressBar::new(len).with_style(style).with_prefix("Auditing");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// The lock file of the workspace of `manifest` (checked as cargo checks `--manifest-path`), else
/// of the current directory: the nearest `Cargo.lock` at or above it.
fn find_lockfile(cwd: &Path, manifest: Option<&Path>) -> Result<PathBuf, String> {
    let start = match manifest {
        Some(manifest) => manifest_path(cwd, Some(manifest))?.parent().unwrap_or(cwd).to_owned(),
        None => cwd.to_owned(),
    };
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.lock"))
        .find(|lock| lock.is_file())
        .ok_or_else(|| format!("no `Cargo.lock` at or above `{}`; name one with `--lockfile`", start.display()))
}
