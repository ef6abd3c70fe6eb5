//! A repository's `.cargo/config.toml`, as `verify` reads it (`SEC-CONFIG`): never a panic, only
//! the keys that decide the archive are applied, each applied path stays inside the tree, each
//! applied index is one a rebuild may reach, and every other top-level key is named as ignored.

use std::path::{Component, Path};

use cargo_seal::untrusted::{Tree, TreeConfig};

const APPLIED: [&str; 3] = ["patch", "registries", "resolver"];

/// The property, for one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let root = Path::new("/fuzz-root");
    let mut config = TreeConfig::default();
    let tree = Tree { root, bound: root };
    match config.add_file(tree, &root.join("pkg"), "pkg/.cargo/config.toml", text) {
        Ok(()) => {}
        Err(err) => {
            assert!(err.to_string().contains("pkg/.cargo/config.toml"), "{err} names the file");
            return;
        }
    }
    for key in &config.applied {
        let top = key.key.split('.').next().unwrap_or_default();
        assert!(APPLIED.contains(&top), "{} is not a key that decides the archive", key.key);
    }
    for url in config.registries.values() {
        let reachable = ["https://", "http://", "sparse+https://", "sparse+http://", "git://"];
        assert!(reachable.iter().any(|scheme| url.starts_with(scheme)), "{url} is not reachable");
    }
    if let Some(applied) = config.to_toml() {
        let table: toml::Table = applied.parse().expect("the applied keys read back");
        let patches = table.get("patch").and_then(toml::Value::as_table).into_iter().flatten();
        for dep in patches.flat_map(|(_, deps)| deps.as_table().into_iter().flatten()).map(|(_, dep)| dep) {
            if let Some(path) = dep.get("path").and_then(toml::Value::as_str) {
                let climbs = Path::new(path).components().any(|c| c == Component::ParentDir);
                assert!(Path::new(path).starts_with(root) && !climbs, "{path} leaves the tree");
            }
        }
    }
    if let Ok(table) = text.parse::<toml::Table>() {
        for top in table.keys().filter(|top| !APPLIED.contains(&top.as_str())) {
            let named = config.ignored.iter().any(|k| k.key == *top || k.key.starts_with(&format!("{top}.")));
            assert!(named, "`{top}` is neither applied nor named");
        }
    }
}
