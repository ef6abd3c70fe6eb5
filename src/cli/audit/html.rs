//! `--format html` (AUD-HTML): one self-contained page (no network asset, readable from
//! `file://`): the counts per verdict as a chart, the policy and the lock file, then a table of
//! the crates, sortable and filterable by verdict, each with what explains its verdict and its
//! file-level differences. Everything a crate or its repository says is escaped, and only
//! `https://` repository URLs become links: the page shows hostile text, it never runs it.

use std::fmt::Write as _;

use crate::audit::{Audited, Level};

use super::report;

/// What the page says about the run besides the crates.
pub(super) struct Page<'a> {
    /// The lock file, as the audit names it (relative to where it ran).
    pub lockfile: &'a str,
    /// The policy: `--policy`'s file, or the `--accept` level.
    pub policy: &'a str,
    /// `--date`: none unless given, so that the same audit writes the same page.
    pub date: Option<&'a str>,
}

pub(super) fn page(audited: &[Audited], page: &Page<'_>) -> String {
    let summary = report::summary(audited);
    let rejected = audited.iter().filter(|a| !a.accepted).count();
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>cargo seal audit: {}</title>", escape(page.lockfile));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>cargo seal audit of <code>{}</code></h1>", escape(page.lockfile));
    let _ = write!(out, "<p class=\"run\">cargo-seal {} · policy: {}", env!("CARGO_PKG_VERSION"), escape(page.policy));
    if let Some(date) = page.date {
        let _ = write!(out, " · {}", escape(date));
    }
    out.push_str("</p>\n");
    let verdict = if rejected == 0 { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "<p id=\"outcome\" class=\"{verdict}\">{} crates, {rejected} not accepted: the audit {verdict}</p>",
        audited.len()
    );
    chart(&mut out, &summary, audited.len());
    out.push_str("<p id=\"filters\">Show: <button data-verdict=\"\" class=\"on\">all</button>");
    for level in Level::NAMES.iter().filter(|l| summary.contains_key(*l)) {
        let _ = write!(out, " <button data-verdict=\"{level}\">{level}</button>");
    }
    out.push_str(" <span id=\"shown\"></span></p>\n");
    out.push_str("<table id=\"crates\">\n<thead><tr>");
    for (i, head) in ["crate", "version", "verdict", "accepted", "commit", "found by", "cargo"].iter().enumerate() {
        let _ = write!(out, "<th data-column=\"{i}\">{head}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for a in audited {
        row(&mut out, a);
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}

/// The counts per verdict as horizontal bars, strongest verdict first.
fn chart(out: &mut String, summary: &std::collections::BTreeMap<&str, usize>, total: usize) {
    out.push_str("<div id=\"chart\">\n");
    for level in Level::NAMES {
        let Some(&count) = summary.get(level) else { continue };
        let width = count * 100 / total.max(1);
        let _ = writeln!(
            out,
            "<div class=\"bar\"><span class=\"label\">{level}</span><span class=\"fill v-{level}\" \
             style=\"width: {width}%\"></span><span class=\"count\" data-verdict=\"{level}\">{count}</span></div>"
        );
    }
    out.push_str("</div>\n");
}

/// One crate: its row, and below it what explains its verdict (open when not accepted).
fn row(out: &mut String, a: &Audited) {
    let verdict = escape(&a.verdict);
    let accepted = match (&a.exception, a.accepted) {
        (Some(why), true) => format!("yes, by exception: {}", inline(why)),
        (_, true) => "yes".to_owned(),
        (_, false) => "<strong>no</strong>".to_owned(),
    };
    let link = |text: &str| match a.repository.as_deref().filter(|url| url.starts_with("https://")) {
        Some(url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(text)),
        None => escape(text),
    };
    let name = link(&a.name);
    let commit = match (&a.commit, commit_url(a)) {
        (Some(commit), Some(url)) => {
            format!("<a href=\"{}\"><code>{}</code></a>", escape(&url), escape(&commit[..12.min(commit.len())]))
        }
        (Some(commit), None) => format!("<code>{}</code>", escape(&commit[..12.min(commit.len())])),
        (None, _) => "-".to_owned(),
    };
    let _ = writeln!(
        out,
        "<tr class=\"crate\" data-verdict=\"{verdict}\"><td>{name}</td><td>{}</td><td class=\"v-{verdict}\">{verdict}</td>\
         <td>{accepted}</td><td>{commit}</td><td>{}</td><td>{}</td></tr>",
        escape(&a.version),
        inline(&report::found_by(a)),
        escape(a.cargo.as_deref().unwrap_or("-"))
    );
    let details = report::details(a);
    if details.is_empty() && a.reason.is_none() && a.repository.is_none() {
        return;
    }
    let open = if a.accepted { "" } else { " open" };
    let _ = write!(
        out,
        "<tr class=\"details\" data-verdict=\"{verdict}\"><td colspan=\"7\"><details{open}><summary>why {verdict}</summary>"
    );
    if let Some(repository) = &a.repository {
        let _ = write!(out, "<p>repository: {}</p>", link(repository));
    }
    if let Some(reason) = &a.reason {
        let _ = write!(out, "<p>{}</p>", inline(reason));
    }
    out.push_str("<ul>");
    for detail in &details {
        let _ = write!(out, "<li>{}", inline(&detail.line));
        let diff = detail.diff_lines();
        if !diff.is_empty() {
            out.push_str("<pre class=\"diff\">");
            for line in &diff {
                let class = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => "add",
                    Some('-') if !line.starts_with("---") => "del",
                    Some('@') => "hunk",
                    _ => "ctx",
                };
                let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
            }
            out.push_str("</pre>");
        }
        out.push_str("</li>");
    }
    out.push_str("</ul></details></td></tr>\n");
}

/// The page of the commit on its host, for the hosts whose URL scheme is known.
fn commit_url(a: &Audited) -> Option<String> {
    let repository = a.repository.as_deref()?.trim_end_matches('/').trim_end_matches(".git");
    let commit = a.commit.as_deref().filter(|c| c.chars().all(|ch| ch.is_ascii_hexdigit()))?;
    let host = repository.strip_prefix("https://")?.split('/').next()?;
    match host {
        "github.com" | "codeberg.org" => Some(format!("{repository}/commit/{commit}")),
        "gitlab.com" => Some(format!("{repository}/-/commit/{commit}")),
        _ => None,
    }
}

/// `text` as HTML text, with `code` spans as the reports write them (between backticks).
fn inline(text: &str) -> String {
    if !text.matches('`').count().is_multiple_of(2) {
        return escape(text);
    }
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        match i % 2 {
            1 => {
                let _ = write!(out, "<code>{}</code>", escape(part));
            }
            _ => out.push_str(&escape(part)),
        }
    }
    out
}

/// `text` as HTML text or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1f2328; }
h1 { font-size: 1.4em; } code, pre { font: 12px/1.4 ui-monospace, monospace; }
.run { color: #59636e; } #outcome { font-weight: 600; } .failed { color: #b42318; } .passed { color: #1a7f37; }
#chart { max-width: 40em; margin: 1em 0; }
.bar { display: flex; align-items: center; gap: .5em; margin: .2em 0; }
.label { width: 9em; text-align: right; } .count { min-width: 2em; }
.fill { display: inline-block; height: 1em; min-width: 2px; border-radius: 2px; }
.v-identical { background: #2da44e; } .v-same-tar { background: #54aeff; } .v-same-contents { background: #8250df; }
.v-same-sources { background: #bf8700; } .v-differs { background: #cf222e; } .v-unverifiable { background: #6e7781; }
td.v-identical, td.v-same-tar, td.v-same-contents, td.v-same-sources, td.v-differs, td.v-unverifiable {
  background: none; font-weight: 600; }
button { font: inherit; padding: .1em .6em; border: 1px solid #d0d7de; border-radius: 4px; background: #f6f8fa; cursor: pointer; }
button.on { background: #0969da; color: white; }
table { border-collapse: collapse; width: 100%; } th { cursor: pointer; text-align: left; background: #f6f8fa; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3em .6em; vertical-align: top; }
tr.details td { background: #fbfbfc; } details ul { margin: .3em 0; }
pre.diff { background: #f6f8fa; padding: .5em; overflow-x: auto; }
.add { color: #1a7f37; } .del { color: #b42318; } .hunk { color: #8250df; }
";

/// Sorting by a column, filtering by verdict (also from `#verdict=…` in the URL), and the count
/// shown. Rows move with their details row.
const SCRIPT: &str = "
const body = document.querySelector('#crates tbody');
const pairs = () => Array.from(body.querySelectorAll('tr.crate')).map(row => {
  const next = row.nextElementSibling;
  return [row, next && next.classList.contains('details') ? next : null];
});
function filter(verdict) {
  let shown = 0, all = 0;
  for (const [row, details] of pairs()) {
    const show = !verdict || row.dataset.verdict === verdict;
    all += 1; shown += show ? 1 : 0;
    row.hidden = !show; if (details) details.hidden = !show;
  }
  for (const button of document.querySelectorAll('#filters button')) {
    button.classList.toggle('on', button.dataset.verdict === verdict);
  }
  document.getElementById('shown').textContent = shown + ' of ' + all + ' crates shown';
}
for (const button of document.querySelectorAll('#filters button')) {
  button.addEventListener('click', () => filter(button.dataset.verdict));
}
for (const th of document.querySelectorAll('#crates th')) {
  th.addEventListener('click', () => {
    const column = Number(th.dataset.column), up = th.dataset.sorted !== 'up';
    th.dataset.sorted = up ? 'up' : 'down';
    const sorted = pairs().sort(([a], [b]) =>
      a.cells[column].textContent.localeCompare(b.cells[column].textContent, undefined, { numeric: true }) * (up ? 1 : -1));
    for (const [row, details] of sorted) { body.appendChild(row); if (details) body.appendChild(details); }
  });
}
const wanted = new URLSearchParams(location.hash.slice(1)).get('verdict');
filter(wanted || '');
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Locked;
    use crate::compare::{Difference, Kind};

    /// AUD-HTML: what a crate says is text, and only an `https://` repository is a link.
    #[test]
    fn aud_html_hostile_text_is_text() {
        let krate = Locked {
            name: "x<script>alert(1)</script>".into(),
            version: "1.0.0\"><img onerror=alert(1)>".into(),
            checksum: None,
            line: None,
        };
        let hostile = Audited {
            repository: Some("javascript:alert(1)".into()),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            verdict: "differs".into(),
            differences: vec![Difference {
                path: Some("x/</pre><script>".into()),
                kind: Kind::Content,
                detail: "`<b>`".into(),
                diff: Some("+<script>alert(2)</script>\n".into()),
            }],
            ..Audited::unverified(&krate)
        };
        let html = page(&[hostile], &Page { lockfile: "Cargo.lock", policy: "accept identical", date: None });
        let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
        assert!(!body.contains("<script") && !body.contains("<img") && !body.contains("<b>"), "{body}");
        assert!(!body.contains("href=\"javascript"), "{body}");
        assert!(body.contains("x&lt;script&gt;alert(1)&lt;/script&gt;"), "{body}");
        assert!(body.contains("<code>&lt;b&gt;</code>"), "{body}");
    }
}
