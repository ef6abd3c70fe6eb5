//! The module map the README draws, held: the library's top-level modules import each other
//! without a circle, so that each can be read, tested and reused from the bottom up, and no
//! command-line file reaches into another's helpers (only `common`, `shell` and `environment` are
//! shared).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level modules each top-level module of `src/` names (`crate::<module>`), tests left out.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let Some(rel) = rel.strip_suffix(".rs") else { continue };
        let module = rel.split('/').next().unwrap().to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let named = imports.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            // `crate::error_chain` is a function of the crate root.
            if name != module && name != "error_chain" && !name.is_empty() {
                named.insert(name);
            }
        }
    }
    imports
}

/// A circle through `module`, if its imports lead back to it.
fn circle(
    imports: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    let module = path.last().unwrap().clone();
    for next in imports.get(&module).into_iter().flatten() {
        if let Some(at) = path.iter().position(|m| m == next) {
            let mut found = path[at..].to_vec();
            found.push(next.clone());
            return Some(found);
        }
        if done.contains(next) {
            continue;
        }
        path.push(next.clone());
        if let Some(found) = circle(imports, path, done) {
            return Some(found);
        }
        path.pop();
    }
    done.insert(module);
    None
}

#[test]
fn modules_import_each_other_without_a_circle() {
    let imports = imports();
    assert!(imports.len() > 20, "the walk found the modules: {imports:?}");
    assert!(imports["verify"].contains("package"), "the walk reads imports: {:?}", imports["verify"]);
    let mut done = BTreeSet::new();
    for module in imports.keys() {
        let found = circle(&imports, &mut vec![module.clone()], &mut done);
        assert_eq!(found, None, "an import circle");
    }
    // The pipeline's lower steps know nothing of the commands above them.
    for (low, high) in [("package", "verify"), ("archive", "verify"), ("verify", "audit"), ("package", "ops")] {
        assert!(!imports[low].contains(high), "`{low}` imports `{high}`, a step above it");
    }
}

#[test]
fn command_line_files_share_only_the_common_helpers() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let shared = ["common", "shell", "environment"];
    let mut files = 0;
    for entry in walkdir::WalkDir::new(&cli).sort_by_file_name() {
        let path = entry.unwrap().into_path();
        let Some(rel) = path.strip_prefix(&cli).unwrap().to_str().unwrap().strip_suffix(".rs") else { continue };
        files += 1;
        // The file's module below `cli`: `audit/report` is `["audit", "report"]`, `audit/mod` `["audit"]`.
        let mut module: Vec<&str> = rel.split('/').collect();
        if module.last() == Some(&"mod") {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("super::") {
            let mut depth = 0;
            while rest[at..].get(depth * 7..).is_some_and(|s| s.starts_with("super::")) {
                depth += 1;
            }
            let after = &rest[at + depth * 7..];
            let name: String = after.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            rest = after;
            // `super` from `module` names a child of its parent: at the top, another command.
            let parent = module.len().saturating_sub(depth);
            let command = cli.join(format!("{name}.rs")).is_file() || cli.join(&name).is_dir();
            if parent == 0 && !name.is_empty() && command {
                let own = module.first() == Some(&name.as_str());
                assert!(
                    own || shared.contains(&name.as_str()),
                    "`{}` uses `{name}`, another command's file",
                    path.display()
                );
            }
        }
    }
    assert!(files > 10, "the walk found the command line's files");
}
