//! A hostile `Cargo.toml`, loaded, normalized and rewritten for publishing as `package` does
//! (MAN-*): never a panic, and the published manifest is a fixed point: loading and publishing
//! it again gives the same text. Every era renders it too (ERA-TOML): TOML naming the same package.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cargo_seal::manifest::{self, Manifest, PublishContext, WorkspaceRoot};

/// The published text of the manifest `text`, written to `dir/Cargo.toml`, if it is publishable,
/// after checking what each era renders of it.
fn publish(dir: &Path, text: &str) -> Option<String> {
    let path = dir.join("Cargo.toml");
    std::fs::write(&path, text).expect("write the manifest");
    let root = WorkspaceRoot::load(&path).ok()?;
    let manifest = Manifest::load(&path, &root).ok()?;
    let (packaged, registries) = (BTreeSet::new(), BTreeMap::new());
    let cx = PublishContext { packaged: &packaged, registries: &registries };
    let (published, _) = manifest::prepare_for_publish(&manifest, &cx).ok()?;
    let rendered = manifest::render(&published).ok()?;
    let package = |text: &str| -> Option<(toml::Value, toml::Value)> {
        let table: toml::Table = text.parse().ok()?;
        let package = table.get("package")?;
        Some((package.get("name")?.clone(), package.get("version")?.clone()))
    };
    for era in cargo_seal::era::ERAS {
        let text = manifest::render_as(&published, &manifest.original, &era.profile)
            .unwrap_or_else(|e| panic!("cargo {} cannot render the manifest: {e}", era.releases()));
        assert_eq!(package(&text), package(&rendered), "cargo {}'s rendering names the package", era.releases());
    }
    Some(rendered)
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cargo-seal-fuzz-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The property, for one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = scratch();
    let Some(published) = publish(&dir, text) else { return };
    let again = publish(&dir, &published).expect("a published manifest loads and publishes again");
    assert_eq!(again, published, "publishing is a fixed point");
}
