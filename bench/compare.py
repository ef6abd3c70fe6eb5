#!/usr/bin/env python3
"""Times `cargo seal` against the cargo command it replaces, on the same inputs.

Each case runs both commands in turn (cargo, seal, cargo, seal, ...) after one warm-up run of
each, checks once that both wrote the same bytes, and prints the medians and the median of the
seal/cargo ratios taken pair by pair, so that a drift in the machine's speed cancels out.

Usage: bench/compare.py [--runs N] [--work DIR] [--slow] [CASE ...]

Set TMPDIR to a directory on the same file system as --work: `verify` checks out in the
temporary directory, the command it is compared with in --work.

Needs `cargo seal` on PATH (`cargo install --path .`), git, GNU time (`/usr/bin/time`, for peak
memory) and the network for crates.io and the repositories below; a `<NAME>_REPO` variable naming
a local clone replaces a download, and `<NAME>_REV` another revision. Cases: fresh, indicatif,
ratatui, gix-sibling, big, verify, and with --slow gix-all (every member of gitoxide, minutes per
run).
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPOS = {
    "indicatif": ("https://github.com/console-rs/indicatif", "0.18.4"),
    "ratatui": ("https://github.com/ratatui/ratatui", "v0.29.0"),
    "gitoxide": ("https://github.com/GitoxideLabs/gitoxide", "b8914ffda"),
    "regex": ("https://github.com/rust-lang/regex", None),
}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def run(cmd, cwd=None, check=True, env=None):
    full_env = {**os.environ, **GIT_ENV, **(env or {})}
    out = subprocess.run(cmd, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if check and out.returncode != 0:
        sys.exit(f"`{' '.join(map(str, cmd))}` failed in {cwd}:\n{out.stderr.decode()}")
    return out


def checkout(work, name):
    """A clone of one of REPOS at its pinned revision, committed so that both tools see a clean tree."""
    url, rev = REPOS[name]
    url = os.environ.get(f"{name.upper()}_REPO", url)
    rev = os.environ.get(f"{name.upper()}_REV", rev)
    dest = work / name
    if not dest.exists():
        run(["git", "clone", "-q", url, str(dest)])
    if rev:
        run(["git", "checkout", "-q", rev], cwd=dest)
    return dest


def without_lock(work, name):
    """A copy of `checkout(work, name)` whose last commit removes its Cargo.lock: the lock is then
    resolved from nothing."""
    source = checkout(work, name)
    dest = work / f"{name}-nolock"
    if not dest.exists():
        run(["git", "clone", "-q", str(source), str(dest)])
        run(["git", "checkout", "-q", subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True,
                                                     text=True, check=True).stdout.strip()], cwd=dest)
        run(["git", "rm", "-q", "Cargo.lock"], cwd=dest)
        run(["git", "commit", "-qm", "no lock"], cwd=dest)
    return dest


def make_fresh(work):
    dest = work / "fresh"
    if not dest.exists():
        run(["cargo", "new", "-q", str(dest)])
        run(["git", "add", "-A"], cwd=dest)
        run(["git", "commit", "-qm", "fresh"], cwd=dest)
    return dest


def make_big(work, megabytes=50):
    """A package with `megabytes` MiB of incompressible, reproducible data in 1 MiB files."""
    dest = work / "big"
    if not dest.exists():
        (dest / "src").mkdir(parents=True)
        (dest / "data").mkdir()
        (dest / "Cargo.toml").write_text(
            '[package]\nname = "big"\nversion = "0.1.0"\nedition = "2021"\nlicense = "MIT"\n'
            'description = "large files"\n')
        (dest / "src" / "lib.rs").write_text("")
        state = 0x9E3779B97F4A7C15
        for i in range(megabytes):
            chunk = bytearray()
            while len(chunk) < 1 << 20:
                state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
                chunk += state.to_bytes(8, "little")
            (dest / "data" / f"{i:03}.bin").write_bytes(chunk)
        run(["git", "init", "-q"], cwd=dest)
        run(["git", "add", "-A"], cwd=dest)
        run(["git", "commit", "-qm", "big"], cwd=dest)
    return dest


def timed(cmd, cwd, env=None):
    """Wall seconds and peak resident KiB of one run (GNU time reports the largest process)."""
    start = time.perf_counter()
    out = run(["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, env=env)
    wall = time.perf_counter() - start
    return wall, int(out.stderr.decode().strip().splitlines()[-1])


def compare(label, cwd, cargo_cmd, seal_cmd, runs, prepare=lambda: None):
    """Runs the pair `runs` times in turn after a warm-up of each, and prints one row."""
    pairs = []
    for _ in range(runs + 1):
        prepare()
        cargo = timed(cargo_cmd, cwd)
        prepare()
        seal = timed(seal_cmd, cwd)
        pairs.append((cargo, seal))
    pairs = pairs[1:]
    cargo_wall = statistics.median(c[0] for c, _ in pairs)
    seal_wall = statistics.median(s[0] for _, s in pairs)
    ratios = sorted(s[0] / c[0] for c, s in pairs)
    peak = (max(c[1] for c, _ in pairs) // 1024, max(s[1] for _, s in pairs) // 1024)
    print(f"| {label} | {cargo_wall * 1000:.0f} ms | {seal_wall * 1000:.0f} ms | "
          f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f}) | {peak[0]} / {peak[1]} MiB |",
          flush=True)


def package_pair(label, root, runs, args=(), offline=False):
    flags = ["--no-verify", *args, *(["--offline"] if offline else [])]
    cargo_dir, seal_dir = root / "target" / "bench-cargo", root / "target" / "bench-seal"
    cargo_cmd = ["cargo", "package", *flags, "--target-dir", str(cargo_dir)]
    seal_cmd = ["cargo", "seal", "package", *flags, "--target-dir", str(seal_dir)]
    run(cargo_cmd, cwd=root)
    run(seal_cmd, cwd=root)
    for crate in sorted((cargo_dir / "package").glob("*.crate")):
        if crate.read_bytes() != (seal_dir / "package" / crate.name).read_bytes():
            sys.exit(f"{label}: {crate.name} differs")
    compare(f"{label}{', offline' if offline else ''}", root, cargo_cmd, seal_cmd, runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    # Outside this repository: its Cargo.toml above the fixtures would keep cargo seal from taking
    # a fresh crate for a workspace of its own (WS-STANDALONE) without asking cargo.
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "cargo-seal-bench")
    parser.add_argument("--slow", action="store_true")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    wanted = set(args.cases) or {"fresh", "indicatif", "ratatui", "gix-sibling", "big", "verify"}
    if args.slow:
        wanted.add("gix-all")

    print("| case | cargo | cargo seal | seal/cargo, median (min–max) | peak memory cargo / seal |")
    print("| --- | --- | --- | --- | --- |")
    if "fresh" in wanted:
        for offline in (True, False):
            package_pair("fresh `cargo new` crate", make_fresh(work), args.runs, offline=offline)
    if "indicatif" in wanted:
        for offline in (True, False):
            package_pair("indicatif 0.18.4, committed Cargo.lock", checkout(work, "indicatif"), args.runs,
                         offline=offline)
        for offline in (True, False):
            package_pair("indicatif 0.18.4, no Cargo.lock", without_lock(work, "indicatif"), args.runs,
                         offline=offline)
    if "ratatui" in wanted:
        root = checkout(work, "ratatui")
        for offline in (True, False):
            package_pair("ratatui 0.29.0, committed Cargo.lock", root, args.runs, offline=offline)
    if "gix-sibling" in wanted:
        root = checkout(work, "gitoxide")
        package_pair("gitoxide `-p gix-error -p gix-date`", root, args.runs, ["-p", "gix-error", "-p", "gix-date"])
    if "gix-all" in wanted:
        root = checkout(work, "gitoxide")
        package_pair("gitoxide `--workspace` (71 members)", root, args.runs, ["--workspace"])
    if "big" in wanted:
        package_pair("50 MiB crate", make_big(work), args.runs, offline=True)
    if "verify" in wanted:
        bench_verify(work, args.runs)


def bench_verify(work, runs):
    """`cargo seal verify` of a published crate against what it replaces: clone the repository,
    check out the recorded commit, `cargo package` the crate there."""
    repo = checkout(work, "regex")
    name, version = "regex-syntax", "0.8.11"
    crate = fetch_crate(work, name, version)
    with tarfile.open(fileobj=gzip.open(crate)) as archive:
        info = json.load(archive.extractfile(f"{name}-{version}/.cargo_vcs_info.json"))
    commit, path = info["git"]["sha1"], info["path_in_vcs"]
    scratch = work / "verify-scratch"
    by_hand = ["sh", "-c", f"git clone -q --no-checkout {repo} {scratch} && git -C {scratch} checkout -q {commit} "
               f"&& cargo package --no-verify --offline --allow-dirty -q --manifest-path {scratch}/{path}/Cargo.toml"]
    seal = ["cargo", "seal", "verify", str(crate), "--repo", str(repo)]
    compare(f"verify {name} {version} against clone + checkout + `cargo package`", work, by_hand, seal, runs,
            prepare=lambda: shutil.rmtree(scratch, ignore_errors=True))


def fetch_crate(work, name, version):
    """The published `.crate`, through cargo's download cache."""
    project = work / f"fetch-{name}"
    if not project.exists():
        run(["cargo", "new", "-q", "--lib", "--vcs", "none", str(project)])
        with open(project / "Cargo.toml", "a") as manifest:
            manifest.write(f'{name} = "={version}"\n')
    run(["cargo", "fetch", "-q"], cwd=project)
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    return next(home.glob(f"registry/cache/*/{name}-{version}.crate"))


if __name__ == "__main__":
    main()
