//! VER-SHARE: checkouts kept for the rest of a run, so that the crates released from one commit
//! (the members of a workspace) are rebuilt from one export instead of one each. A checkout is
//! leased to one rebuild at a time, and given back as it was exported: the lock files the rebuild
//! may have written are put back.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Error;
use super::export::{self, Checkout, Submodules};
use crate::git::Repository;

/// Checkouts of a run, in a directory removed with it.
#[derive(Debug)]
pub struct Checkouts {
    _guard: tempfile::TempDir,
    dir: PathBuf,
    /// Idle checkouts, the most recently given back last.
    idle: Mutex<VecDeque<Idle>>,
    /// How many idle checkouts are kept; the oldest beyond that is removed.
    keep: usize,
    made: AtomicUsize,
}

#[derive(Debug)]
struct Idle {
    repo: PathBuf,
    rev: String,
    dir: PathBuf,
    checkout: Checkout,
}

impl Checkouts {
    /// Checkouts under a new directory in `parent`, at most `keep` of them idle at once.
    pub fn new(parent: &Path, keep: usize) -> std::io::Result<Checkouts> {
        let guard = tempfile::Builder::new().prefix("cargo-seal-checkouts-").tempdir_in(parent)?;
        // Canonical, as the packager compares paths.
        let dir = guard.path().canonicalize()?;
        Ok(Checkouts { _guard: guard, dir, idle: Mutex::default(), keep, made: AtomicUsize::new(0) })
    }

    /// A checkout of `rev` in `repo`: an idle one, else a new export.
    pub(super) fn lease(
        &self,
        repo: &Repository,
        rev: &str,
        submodules: Option<Submodules<'_>>,
    ) -> Result<Lease<'_>, Error> {
        let taken = {
            let mut idle = self.idle.lock().expect("no lease panics holding it");
            let found = idle.iter().rposition(|i| i.repo == repo.path && i.rev == rev);
            found.and_then(|at| idle.remove(at))
        };
        let (dir, checkout) = match taken {
            Some(idle) => (idle.dir, idle.checkout),
            None => {
                // Each in a directory of its own under `target/package` (`SEC-WS-ROOT`), which is
                // all the paths its tree names may reach (`SEC-PATHS`): never another checkout.
                let slot = self.dir.join(self.made.fetch_add(1, Ordering::Relaxed).to_string());
                let parent = slot.join(super::CHECKOUTS);
                std::fs::create_dir_all(&parent).map_err(|source| Error::Scratch { path: parent.clone(), source })?;
                let dir = parent.join("checkout");
                // Whole: the next crate of the commit may be any of its packages.
                let checkout = export::export(repo, rev, &dir, submodules, None)?;
                (dir, checkout)
            }
        };
        Ok(Lease { pool: Some((self, repo.path.clone(), rev.to_owned())), dir, checkout, saved: Vec::new() })
    }

    fn give_back(&self, idle: Idle) {
        let evicted = {
            let mut kept = self.idle.lock().expect("no lease panics holding it");
            kept.push_back(idle);
            if kept.len() > self.keep { kept.pop_front() } else { None }
        };
        if let Some(old) = evicted {
            // Only disk space is at stake; the directory goes with the run's in any case.
            let slot = old.dir.strip_prefix(&self.dir).ok().and_then(|rel| rel.components().next());
            drop(std::fs::remove_dir_all(slot.map_or(old.dir.clone(), |slot| self.dir.join(slot))));
        }
    }
}

/// A checkout one rebuild uses.
pub(super) struct Lease<'a> {
    /// The pool it returns to, with its repository and revision; `None` for a checkout of its own.
    pool: Option<(&'a Checkouts, PathBuf, String)>,
    pub dir: PathBuf,
    pub checkout: Checkout,
    /// The lock files as exported, to put back.
    saved: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Lease<'_> {
    /// A checkout exported for one rebuild only.
    pub fn own(dir: PathBuf, checkout: Checkout) -> Lease<'static> {
        Lease { pool: None, dir, checkout, saved: Vec::new() }
    }

    /// Remembers the `Cargo.lock` files that cargo may write while packaging the package at
    /// `package_dir`: its own and those of the directories above it in the checkout.
    pub fn save_locks(&mut self, package_dir: &Path) {
        if self.pool.is_none() {
            return;
        }
        let dirs = package_dir.ancestors().take_while(|dir| dir.starts_with(&self.dir));
        self.saved =
            dirs.map(|dir| dir.join("Cargo.lock")).map(|lock| (lock.clone(), std::fs::read(&lock).ok())).collect();
    }

    /// Gives the checkout back as it was exported, for the next crate of the same commit.
    pub fn release(self) {
        let Some((pool, repo, rev)) = self.pool else { return };
        for (lock, bytes) in &self.saved {
            let restored = match bytes {
                Some(bytes) => std::fs::write(lock, bytes),
                None => std::fs::remove_file(lock)
                    .or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }),
            };
            // A checkout that cannot be put back is not shared again.
            if restored.is_err() {
                return;
            }
        }
        pool.give_back(Idle { repo, rev, dir: self.dir, checkout: self.checkout });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn ver_share_gives_back_the_checkout_as_exported() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(repo.join("member")).unwrap();
        std::fs::write(repo.join("Cargo.lock"), "committed\n").unwrap();
        std::fs::write(repo.join("member/Cargo.toml"), "").unwrap();
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "c"]);
        let pool = Checkouts::new(tmp.path(), 1).unwrap();
        let repo = Repository::open(&repo).unwrap();

        let mut lease = pool.lease(&repo, "HEAD", None).unwrap();
        let first = lease.dir.clone();
        lease.save_locks(&first.join("member"));
        std::fs::write(first.join("Cargo.lock"), "rewritten\n").unwrap();
        std::fs::write(first.join("member/Cargo.lock"), "new\n").unwrap();
        lease.release();

        let again = pool.lease(&repo, "HEAD", None).unwrap();
        assert_eq!(again.dir, first, "the idle checkout is taken");
        assert_eq!(std::fs::read_to_string(first.join("Cargo.lock")).unwrap(), "committed\n");
        assert!(!first.join("member/Cargo.lock").exists());
        // While it is out, another rebuild of the commit gets its own export, in a directory of
        // its own: what one tree's paths may reach holds no other checkout (SEC-PATHS).
        let other = pool.lease(&repo, "HEAD", None).unwrap();
        assert_ne!(other.dir, again.dir);
        for lease in [&again, &other] {
            let parent = lease.dir.parent().unwrap();
            assert!(parent.ends_with(crate::verify::CHECKOUTS));
            assert_eq!(std::fs::read_dir(parent).unwrap().count(), 1);
        }
        // Only one is kept idle: the other is removed.
        again.release();
        other.release();
        assert_eq!(std::fs::read_dir(&pool.dir).unwrap().count(), 1);
    }
}
