//! `deploy/`: the GitHub Actions workflow validates against SchemaStore's workflow schema
//! (check-jsonschema's vendored copy) and the Kubernetes Jobs against Kubernetes 1.33's own
//! schemas (kubernetes-validate, strict: no unknown field), both pinned in
//! `testdata/provenance/requirements.txt`. The shard protocol they run is tested in
//! `tests/it/audit.rs` (`aud_concurrent_shards_share_a_portable_cache`).

use std::path::Path;
use std::process::Command;

use crate::support;

fn tool(name: &str) -> Command {
    Command::new(support::python().parent().unwrap().join(name))
}

#[test]
fn deploy_github_actions_workflow_is_valid() {
    let workflow = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/github-actions/audit.yml");
    let out =
        tool("check-jsonschema").args(["--builtin-schema", "vendor.github-workflows"]).arg(&workflow).output().unwrap();
    assert!(out.status.success(), "{}", support::describe("check-jsonschema", &out));
    // The control: a job without `runs-on` is refused, so the check is not a formality.
    let text = std::fs::read_to_string(&workflow).unwrap();
    let broken = tempfile::Builder::new().suffix(".yml").tempfile().unwrap();
    std::fs::write(broken.path(), text.replacen("    runs-on: ubuntu-latest\n", "", 1)).unwrap();
    let out = tool("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(broken.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", support::describe("check-jsonschema", &out));
}

#[test]
fn deploy_kubernetes_jobs_are_valid() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes/audit-job.yaml");
    let out = tool("kubernetes-validate").args(["--strict", "-k", "1.33.0"]).arg(&manifest).output().unwrap();
    assert!(out.status.success(), "{}", support::describe("kubernetes-validate", &out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(said.matches("passed for resource job/").count(), 2, "{said}");
    // The control: an unknown field is refused.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let broken = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    std::fs::write(
        broken.path(),
        text.replacen("  completionMode: Indexed\n", "  completionMode: Indexed\n  shards: 4\n", 1),
    )
    .unwrap();
    let out = tool("kubernetes-validate").args(["--strict", "-k", "1.33.0"]).arg(broken.path()).output().unwrap();
    assert!(!out.status.success(), "{}", support::describe("kubernetes-validate", &out));
}
