//! What the subcommands share: naming and reading crates within the run's limits, rebuild
//! requests, and how a comparison is shown.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::archive::read::{self, CrateFile};
use crate::cargo::Cargo;
use crate::compare::{Comparison, Verdict};
use crate::crate_arg::CrateArg;
use crate::discover::{Locator, Remote};
use crate::mirror::{self, Mirrors};
use crate::provenance::keys;
use crate::sigstore::{Identity, Proven, Root};
use crate::verify::{Settings, Source, Trust};

use super::{EXIT_MISMATCH, EXIT_OK, Shell, environment};

/// READ-LIMITS for the archives a command reads, raised for one run.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Let an archive unpack to this many bytes [default: 512 MiB, or 20 times its compressed size]
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    max_unpacked: Option<u64>,
    /// Let an archive hold this many entries [default: 100000]
    #[arg(long, value_name = "N", help_heading = "Limits")]
    max_entries: Option<usize>,
    /// Let a path in an archive be this many bytes long [default: 4096]
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    max_path_len: Option<u64>,
}

impl LimitArgs {
    pub(super) fn limits(&self) -> read::Limits {
        read::Limits { unpacked: self.max_unpacked, entries: self.max_entries, path_len: self.max_path_len }
    }
}

/// MIR-LIMITS for `--fetch`, raised for one run.
#[derive(Debug, Clone, clap::Args)]
pub struct FetchLimitArgs {
    /// Stop a fetch that adds more than this many bytes to disk [default: 2 GiB]
    #[arg(long, value_name = "BYTES", help_heading = "Limits", requires = "fetch")]
    fetch_max_size: Option<u64>,
    /// Stop a fetch that takes longer than this many seconds [default: 600]
    #[arg(long, value_name = "SECONDS", help_heading = "Limits", requires = "fetch")]
    fetch_timeout: Option<u64>,
}

impl FetchLimitArgs {
    /// The mirrors of a `--fetch` run, announcing each fetch through `starting`.
    pub(super) fn mirrors<'a>(&self, starting: impl Fn(&Remote) + Send + Sync + 'a) -> Mirrors<'a> {
        let defaults = mirror::Limits::default();
        let limits = mirror::Limits {
            max_bytes: self.fetch_max_size.unwrap_or(defaults.max_bytes),
            timeout: self.fetch_timeout.map_or(defaults.timeout, std::time::Duration::from_secs),
        };
        Mirrors::new(limits, std::env::temp_dir(), starting)
    }
}

/// Where the repositories of published crates are found (`DISC-LOCATE`), and `--fetch` (`MIR-*`).
#[derive(Debug, Clone, clap::Args)]
pub struct RepoArgs {
    /// Look for repositories, submodules' too, at DIR/<host>/<owner>/<name> (a clone, or a bare
    /// `<name>.git`)
    #[arg(long, value_name = "DIR")]
    pub(super) repos: Option<PathBuf>,

    /// A TOML file mapping crate names or repository URLs to local repositories, or to URLs to
    /// fetch them from
    #[arg(long, value_name = "FILE")]
    pub(super) repo_map: Option<PathBuf>,

    /// Clone a repository missing under `--repos`, and update one that lacks the commit a crate
    /// needs (`audit` also downloads missing crates with `cargo fetch`)
    #[arg(long, requires = "repos", conflicts_with = "offline")]
    pub(super) fetch: bool,
}

impl RepoArgs {
    /// Where repositories are looked for, `--repos` taken from the working directory.
    /// A `--repos` directory that does not exist is an error (a typo would find nothing), unless
    /// `--fetch` is to clone into it.
    pub(super) fn locator(&self) -> Result<Locator, Box<dyn std::error::Error>> {
        let cwd = std::env::current_dir()?;
        let map = self.repo_map.as_deref().map(Locator::read_map).transpose()?.unwrap_or_default();
        let mirrors = self.repos.as_ref().map(|dir| cwd.join(dir));
        if let Some(dir) = mirrors.as_ref().filter(|dir| !self.fetch && !dir.is_dir()) {
            let what = if dir.exists() { "is not a directory" } else { "does not exist" };
            return Err(format!(
                "`--repos {}` {what}: name the directory that holds the clones, or add `--fetch` to clone into it",
                dir.display()
            )
            .into());
        }
        Ok(Locator { mirrors, map })
    }
}

/// `--manifest-path`, checked as cargo 1.95 checks it and in its words, else the nearest
/// `Cargo.toml` at or above `cwd`.
pub(super) fn manifest_path(cwd: &Path, arg: Option<&Path>) -> Result<PathBuf, String> {
    let Some(arg) = arg else {
        return cwd
            .ancestors()
            .map(|dir| dir.join("Cargo.toml"))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("could not find `Cargo.toml` in `{}` or any parent directory", cwd.display()));
    };
    let path = cwd.join(arg);
    if !path.exists() {
        return Err(format!("manifest path `{}` does not exist", arg.display()));
    }
    if path.is_dir() {
        return Err(format!("manifest path `{}` is a directory but expected a file", arg.display()));
    }
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return Ok(path);
    }
    // A `.rs` file, or a file without an extension, is a cargo script to cargo.
    if path.extension().is_none_or(|e| e == "rs") {
        return Err(format!("embedded manifest `{}` requires `-Zscript`", path.display()));
    }
    Err(format!("the manifest-path must be a path to a Cargo.toml file: `{}`", path.display()))
}

/// Finds and reads the crate an argument names.
pub(super) fn load(arg: &str, limits: &read::Limits) -> Result<(PathBuf, CrateFile), Box<dyn std::error::Error>> {
    let path = CrateArg::parse(arg).resolve(&environment::cargo_home())?;
    let file = read::read_file(&path, limits)?;
    Ok((path, file))
}

/// The identity of a crate file, as `inspect`, `diff` and `verify` show it in JSON.
pub(super) fn identity(path: &Path, file: &CrateFile) -> serde_json::Value {
    json!({
        "file": path.display().to_string(),
        "size": file.compressed_size,
        "sha256": file.sha256,
        "content_digest": read::content_digest(&file.entries),
    })
}

/// How a run rebuilds published crates, as the user's cargo: online unless `--offline` or
/// `net.offline` says otherwise, as cargo. What it rebuilds from is untrusted (`SEC-TRUST`).
pub(super) fn verify_settings(offline: bool) -> Result<Settings<'static>, Box<dyn std::error::Error>> {
    let cwd = std::env::current_dir()?;
    let config = environment::CargoConfig::read(&cwd, &[]);
    Ok(Settings {
        cargo: Cargo {
            program: environment::cargo_program(),
            home: environment::cargo_home(),
            cwd,
            target_dir: None,
            // The rebuild's target directory is new: cargo's record of the compiler is kept in
            // this tool's cache instead, so that each rebuild need not ask rustc again.
            build_dir: environment::cache_dir(),
            plain_config: false,
            offline: offline || config.offline,
            locked: false,
            frozen: false,
            // SEC-TOOLCHAIN: the user's toolchain, whatever the tree's `rust-toolchain.toml` says.
            env: environment::toolchain_pin(),
            config: Vec::new(),
        },
        scratch_parent: std::env::temp_dir(),
        registries: config.registries,
        siblings: None,
        submodules: None,
        trust: Trust::Untrusted,
    })
}

/// The repository at `repo` (relative to the working directory), at `rev` or the recorded commit.
pub(super) fn commit_source(repo: &Path, rev: Option<String>) -> Result<Source, Box<dyn std::error::Error>> {
    Ok(Source::commit(&std::env::current_dir()?.join(repo), rev)?)
}

/// Loads the private key at `path` (`attest`, `package --attest`), warning when others can read it.
pub(super) fn signing_key(path: &Path, shell: &mut Shell) -> Result<keys::PrivateKey, keys::Error> {
    let loaded = keys::load_private(path)?;
    if let Some(exposed) = &loaded.exposed {
        shell.warn(exposed);
    }
    Ok(loaded.key)
}

/// 0 when the verdict is at least `accept`, else 1.
pub(super) fn exit_code(comparison: &Comparison, accept: Verdict) -> u8 {
    if comparison.verdict <= accept { EXIT_OK } else { EXIT_MISMATCH }
}

/// The verdict, then each difference with its evidence.
pub(super) fn render(comparison: &Comparison, shell: &mut Shell) {
    shell.print(format_args!("verdict: {}", comparison.verdict.as_str()));
    for d in &comparison.differences {
        let kind = d.kind.as_str();
        match &d.path {
            Some(path) => shell.print(format_args!("  {kind:<12} {path}: {}", d.detail)),
            None => shell.print(format_args!("  {kind:<12} {}", d.detail)),
        }
        if let Some(diff) = &d.diff {
            for line in diff.lines() {
                shell.print(format_args!("      {line}"));
            }
        }
    }
    for explanation in &comparison.explanations {
        shell.print(format_args!("note: {explanation}"));
    }
}

/// PROV-SIGSTORE-IDENTITY: who must have signed a Sigstore bundle, as cosign and `gh attestation
/// verify` spell it, and which roots of trust vouch for the signature.
#[derive(Debug, Clone, clap::Args)]
pub struct SignerArgs {
    /// The identity (certificate SAN) that must have signed, exactly
    #[arg(long, value_name = "IDENTITY", help_heading = "Signer")]
    certificate_identity: Option<String>,

    /// A regular expression the identity (certificate SAN) matches
    #[arg(long, value_name = "REGEX", conflicts_with = "certificate_identity", help_heading = "Signer")]
    certificate_identity_regexp: Option<String>,

    /// The OIDC issuer of the identity [default: GitHub Actions' with a GitHub shorthand or a
    /// crate on github.com, GitLab's for a crate on gitlab.com]
    #[arg(long, value_name = "URL", help_heading = "Signer")]
    certificate_oidc_issuer: Option<String>,

    /// GitHub: the owner of the repository the signing workflow ran from
    #[arg(long, value_name = "OWNER", help_heading = "Signer")]
    owner: Option<String>,

    /// GitHub: the workflow that signed (`OWNER/NAME/.github/workflows/FILE`)
    #[arg(long, value_name = "WORKFLOW", help_heading = "Signer")]
    signer_workflow: Option<String>,

    /// The ref the signing workflow ran on (`refs/tags/v1.0.0`)
    #[arg(long, value_name = "REF", help_heading = "Signer")]
    source_ref: Option<String>,

    /// A `trusted_root.json` [default: the Sigstore public-good root shipped with this build]
    #[arg(long, value_name = "FILE", help_heading = "Signer")]
    trusted_root: Option<PathBuf>,

    /// Trust Sigstore's staging instance, as shipped with this build
    #[arg(long, conflicts_with = "trusted_root", help_heading = "Signer")]
    staging: bool,
}

impl SignerArgs {
    /// The identity policy the flags spell (the repository and commit aside, which the caller
    /// knows).
    pub(super) fn identity(&self) -> Result<Identity, regex::Error> {
        Ok(Identity {
            san: self.certificate_identity.clone(),
            san_regexp: self.certificate_identity_regexp.as_deref().map(regex::Regex::new).transpose()?,
            issuer: self.certificate_oidc_issuer.clone(),
            owner: self.owner.clone(),
            signer_workflow: self.signer_workflow.clone(),
            source_ref: self.source_ref.clone(),
            ..Identity::default()
        })
    }

    pub(super) fn root(&self) -> Root {
        match (&self.trusted_root, self.staging) {
            (Some(path), _) => Root::File(path.clone()),
            (None, true) => Root::Staging,
            (None, false) => Root::PublicGood,
        }
    }

    /// The flags given, by name: for a command where they need a bundle to apply to.
    pub(super) fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("--certificate-identity", self.certificate_identity.is_some()),
            ("--certificate-identity-regexp", self.certificate_identity_regexp.is_some()),
            ("--certificate-oidc-issuer", self.certificate_oidc_issuer.is_some()),
            ("--owner", self.owner.is_some()),
            ("--signer-workflow", self.signer_workflow.is_some()),
            ("--source-ref", self.source_ref.is_some()),
            ("--trusted-root", self.trusted_root.is_some()),
            ("--staging", self.staging),
        ];
        flags.into_iter().filter_map(|(flag, given)| given.then_some(flag)).collect()
    }
}

/// PROV-SIGSTORE: a bundle that verified: who signed and when on the status line, then what the
/// certificate says, a line each.
pub fn render_proven(bundle: &str, proven: &Proven, shell: &mut Shell) {
    let who = match (&proven.identity, &proven.issuer) {
        (Some(identity), Some(issuer)) => format!("{identity} ({issuer})"),
        _ => "the key".to_owned(),
    };
    let when = proven.logged_at.as_deref().map(|t| format!(", logged at {t}")).unwrap_or_default();
    shell.status("Verified", format_args!("`{bundle}`: signed by {who}{when}"));
    let lines = [
        ("identity", &proven.identity),
        ("issuer", &proven.issuer),
        ("source repository", &proven.source_repository),
        ("source ref", &proven.source_ref),
        ("source commit", &proven.source_commit),
        ("workflow", &proven.workflow),
        ("predicate type", &proven.predicate_type),
    ];
    for (what, value) in lines {
        if let Some(value) = value {
            shell.print(format_args!("{what}: {value}"));
        }
    }
    for time in &proven.signed_at {
        let how = match Some(time) == proven.logged_at.as_ref() {
            true => "transparency log",
            false => "timestamp authority",
        };
        shell.print(format_args!("signed at: {time} ({how})"));
    }
}
