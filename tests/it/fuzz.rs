//! The fuzz targets' properties (`fuzz/fuzz_targets/common/`) over the regression inputs under
//! `testdata/hostile/<target>/`, as ordinary tests: a finding, once fixed, stays fixed without a
//! fuzzer to run.

use std::path::Path;

#[path = "../../fuzz/fuzz_targets/common/mod.rs"]
mod common;

#[test]
fn fuzz_regressions_keep_their_properties() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/hostile");
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("testdata/hostile")
        .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for dir in &dirs {
        assert!(common::TARGETS.iter().any(|(target, _)| target == dir), "`{dir}` names no fuzz target");
    }
    let mut ran = 0;
    for (target, check) in common::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        let mut inputs: Vec<_> = entries.map(|entry| entry.expect("a directory entry").path()).collect();
        inputs.sort();
        for input in inputs {
            eprintln!("{target}: {}", input.display());
            check(&std::fs::read(&input).expect("a regression input"));
            ran += 1;
        }
    }
    assert!(ran >= dirs.len(), "every regression directory holds an input");
}
