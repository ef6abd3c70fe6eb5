//! WS-ATOMIC: a run killed while it writes a large `.crate` leaves nothing at the final path, and
//! an earlier `.crate` there stays as it was.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Sandbox;

/// `len` bytes that do not compress (xorshift), so that writing them takes a while.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len / 8)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        })
        .collect()
}

/// The temporary files of unfinished archives in `dir`, with their sizes.
fn temporaries(dir: &Path) -> Vec<u64> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".crate.tmp"))
        .filter_map(|e| e.metadata().ok().map(|m| m.len()))
        .collect()
}

#[test]
fn ws_atomic_a_killed_run_leaves_the_earlier_crate() {
    let sandbox = Sandbox::new("atomic");
    let dir = sandbox.path.join("pkg");
    support::write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\n",
    );
    support::write(&dir, "src/lib.rs", "");
    let package = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        command.args(["package", "--no-verify", "--allow-dirty", "--offline"]).current_dir(&dir);
        sandbox.pin_tool_env(&mut command);
        command
    };
    let out = package().output().expect("run cargo-seal");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let final_path = dir.join("target/package/big-0.1.0.crate");
    let earlier = fs::read(&final_path).expect("the earlier crate");

    // Now a large file, and the run killed while the archive is being written.
    fs::write(dir.join("src/data.bin"), noise(256 << 20)).expect("write the large file");
    let mut child = package().stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("run cargo-seal");
    let start = Instant::now();
    let package_dir = dir.join("target/package");
    while !temporaries(&package_dir).iter().any(|&len| len > 1 << 20) {
        assert!(child.try_wait().expect("poll").is_none(), "the run ended before it was killed");
        assert!(start.elapsed() < Duration::from_secs(60), "no archive was being written");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    assert_eq!(fs::read(&final_path).expect("the earlier crate is still there"), earlier, "the earlier crate changed");
    let crates: Vec<_> = support::crates_in(&dir.join("target")).into_iter().map(|p| p.display().to_string()).collect();
    assert_eq!(crates, [final_path.display().to_string()], "only the earlier crate is in place");
}
