//! DISC-URL: a manifest's `repository`, normalized to the repository it names.

use std::path::{Path, PathBuf};

/// A repository URL as `https://<host>/<path>`, and the subdirectory a `/tree/...` URL pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryUrl {
    /// Lower case.
    pub host: String,
    /// The path segments naming the repository (`owner`, `name`; more on hosts with groups).
    pub segments: Vec<String>,
    /// What followed `/tree/<ref>/` or `/blob/<ref>/`, if anything: a directory in the repository.
    pub subdirectory: Option<String>,
}

impl RepositoryUrl {
    /// Reads `https://`, `http://`, `git://`, `ssh://[user@]` and `git+` URLs and scp-style
    /// `user@host:owner/name`; drops a `.git` suffix, trailing slashes, a query or fragment,
    /// and the `/tree/<ref>/…`, `/blob/<ref>/…` (also GitLab's `/-/tree/…`) tails of a web page.
    /// `None` for anything without a host and a path.
    pub fn parse(raw: &str) -> Option<RepositoryUrl> {
        let raw = raw.trim();
        let raw = raw.strip_prefix("git+").unwrap_or(raw);
        let scp_style;
        let rest = match raw.split_once("://") {
            Some(("https" | "http" | "git" | "ssh", rest)) => rest,
            Some(_) => return None,
            // `git@github.com:owner/name`.
            None => {
                let (host, path) = raw.split_once(':')?;
                scp_style = format!("{host}/{path}");
                scp_style.as_str()
            }
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
        if !plain_name(&host) {
            return None;
        }
        let mut segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let mut subdirectory = None;
        if let Some(at) = segments.iter().position(|s| s == "tree" || s == "blob") {
            // `<repo>/tree/<ref>/<dir...>`; GitLab writes `<repo>/-/tree/...`.
            let dir: Vec<String> = segments.iter().skip(at + 2).cloned().collect();
            subdirectory = (!dir.is_empty()).then(|| dir.join("/"));
            segments.truncate(at);
            if segments.last().is_some_and(|s| s == "-") {
                segments.pop();
            }
        }
        if let Some(last) = segments.last_mut()
            && let Some(stripped) = last.strip_suffix(".git")
        {
            *last = stripped.to_owned();
        }
        // SEC-URL: the host and segments become a path under `--repos` and a URL to fetch.
        let plain = !segments.is_empty() && segments.iter().all(|s| plain_name(s));
        plain.then_some(RepositoryUrl { host, segments, subdirectory })
    }

    /// `https://<host>/<segments>`: the key `--repo-map` entries and reports use.
    pub fn canonical(&self) -> String {
        format!("https://{}/{}", self.host, self.segments.join("/"))
    }

    /// Where a mirror of this repository may be under `dir`: `<dir>/<host>/<segments>`, as a
    /// clone or as a bare `<name>.git`, spelled as the URL has it and then in lower case (the
    /// big hosts ignore the case of owners and names).
    pub fn mirror_paths(&self, dir: &Path) -> Vec<PathBuf> {
        let spelled = format!("{}/{}", self.host, self.segments.join("/"));
        let lower = spelled.to_lowercase();
        let spellings = if lower == spelled { vec![spelled] } else { vec![spelled, lower] };
        spellings.into_iter().flat_map(|plain| [dir.join(&plain), dir.join(format!("{plain}.git"))]).collect()
    }
}

/// SEC-URL: a host name or path segment that names one directory and one URL segment and nothing
/// else: ASCII letters, digits, `.`, `_`, `-`, `~`, `+`, neither `.` nor `..`, not starting with
/// `-` (which a transport could take for an option).
fn plain_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '~' | '+');
    !name.is_empty() && name != "." && name != ".." && !name.starts_with('-') && name.chars().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::RepositoryUrl;
    use std::path::Path;

    fn canonical(raw: &str) -> Option<(String, Option<String>)> {
        RepositoryUrl::parse(raw).map(|url| (url.canonical(), url.subdirectory))
    }

    #[test]
    fn disc_url_normalizes_what_manifests_say() {
        let plain = Some(("https://github.com/rust-lang/regex".to_owned(), None));
        for raw in [
            "https://github.com/rust-lang/regex",
            "https://github.com/rust-lang/regex/",
            "https://github.com/rust-lang/regex.git",
            "http://GitHub.com/rust-lang/regex",
            "git+https://github.com/rust-lang/regex.git",
            "git://github.com/rust-lang/regex",
            "ssh://git@github.com/rust-lang/regex.git",
            "git@github.com:rust-lang/regex.git",
            "https://github.com/rust-lang/regex#readme",
            " https://github.com/rust-lang/regex?tab=readme ",
        ] {
            assert_eq!(canonical(raw), plain, "{raw}");
        }
        assert_eq!(
            canonical("https://github.com/rust-lang/regex/tree/master/regex-syntax"),
            Some(("https://github.com/rust-lang/regex".to_owned(), Some("regex-syntax".to_owned())))
        );
        assert_eq!(
            canonical("https://gitlab.com/group/sub/project/-/tree/main/crates/a"),
            Some(("https://gitlab.com/group/sub/project".to_owned(), Some("crates/a".to_owned())))
        );
        assert_eq!(
            canonical("https://github.com/o/n/blob/main/README.md").map(|c| c.0),
            Some("https://github.com/o/n".into())
        );
        for raw in [
            "",
            "not a url",
            "ftp://example.com/x",
            "https://",
            "https://example.com",
            // SEC-URL: nothing that leaves `--repos` or reads as a transport or an option.
            "https://github.com/../../home/user/private",
            "https://github.com/o/..",
            "ext::sh -c touch% /tmp/pwned",
            "https://-oProxyCommand=x/o/n",
            "git@github.com:o/n m",
        ] {
            assert_eq!(canonical(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn disc_url_mirror_paths() {
        let url = RepositoryUrl::parse("https://github.com/serde-rs/serde").unwrap();
        let dir = Path::new("/m");
        assert_eq!(
            url.mirror_paths(dir),
            [Path::new("/m/github.com/serde-rs/serde"), Path::new("/m/github.com/serde-rs/serde.git")]
        );
        let url = RepositoryUrl::parse("https://github.com/o/name.rs").unwrap();
        assert_eq!(url.mirror_paths(dir)[1], Path::new("/m/github.com/o/name.rs.git"));
        let url = RepositoryUrl::parse("https://github.com/RustCrypto/traits").unwrap();
        assert_eq!(url.mirror_paths(dir)[3], Path::new("/m/github.com/rustcrypto/traits.git"));
    }
}
