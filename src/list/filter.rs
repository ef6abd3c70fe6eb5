//! `include` / `exclude` matching with gitignore semantics (spec: `SEL-INCLUDE`, `SEL-EXCLUDE`).

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::Error;

/// Decides whether a listed path belongs to the package.
pub(super) struct Filter {
    root: std::path::PathBuf,
    include: Option<Gitignore>,
    exclude: Gitignore,
}

impl Filter {
    /// `hide_dotfiles` adds cargo's `.*` exclude rule, used when neither `include` nor git decides
    /// (`SEL-DOTFILES`).
    pub(super) fn new(
        root: &Path,
        manifest: &Path,
        include: &[String],
        exclude: &[String],
        hide_dotfiles: bool,
    ) -> Result<Self, Error> {
        let build = |field: &'static str, patterns: &[String], extra: Option<&str>| {
            let mut builder = GitignoreBuilder::new(root);
            for pattern in extra.into_iter().chain(patterns.iter().map(String::as_str)) {
                builder.add_line(None, pattern).map_err(|source| Error::Pattern {
                    field,
                    pattern: pattern.to_owned(),
                    manifest: manifest.to_owned(),
                    source: Box::new(source),
                })?;
            }
            builder.build().map_err(|source| Error::Pattern {
                field,
                pattern: patterns.join(", "),
                manifest: manifest.to_owned(),
                source: Box::new(source),
            })
        };
        let use_dot_rule = include.is_empty() && hide_dotfiles;
        let exclude = build("exclude", exclude, use_dot_rule.then_some(".*"))?;
        let include = if include.is_empty() { None } else { Some(build("include", include, None)?) };
        Ok(Filter { root: root.to_owned(), include, exclude })
    }

    /// Whether `path` (absolute, under the package root) passes `include`/`exclude`.
    pub(super) fn accepts(&self, path: &Path, is_dir: bool) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        // The root manifest and lock file always pass; the plan decides their fate.
        if rel == Path::new("Cargo.lock") || rel == Path::new("Cargo.toml") {
            return true;
        }
        match &self.include {
            // `exclude` is ignored when `include` is given; directories are never filtered by
            // `include`, only the files in them.
            Some(include) => is_dir || include.matched_path_or_any_parents(rel, false).is_ignore(),
            None => !self.exclude.matched_path_or_any_parents(rel, is_dir).is_ignore(),
        }
    }
}
