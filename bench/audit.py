#!/usr/bin/env python3
"""An audit's cost per crate, against the manual way and against the floor.

Usage: bench/audit.py (--crates FILE | --lockfile FILE) --repos DIR [--sample N] [--jobs N]
                      [--report FILE]

1. The whole audit, cold: `cargo seal audit` with an empty result cache and the repositories
   present under --repos (`DIR/<host>/<owner>/<name>[.git]`), offline; wall and CPU seconds per
   crate. --report reuses the JSON report of such a run instead (its figures are then not timed).
2. On a sample of the crates it found `identical`, each crate in turn (the manual way, then
   `cargo seal verify`, then the floor), pair by pair:
   - the manual way: `git clone --shared` of the local repository, checkout of the recorded
     commit, `cargo package --no-verify --offline` of the recorded path, compare with the
     published bytes;
   - `cargo seal verify CRATE --repo REPO --offline`;
   - the floor, what no rebuild can avoid: decompressing the published crate, reading the blobs
     of the commit's tree at the package's path, compressing the archive's bytes once (zlib
     level 6, as cargo).
   It prints medians per crate and the median of the ratios taken crate by crate.

Needs `cargo seal` on PATH (`cargo install --path .`), git, and the crates in cargo's download
cache (the audit's `--fetch`, or `cargo fetch`).
"""

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from pathlib import Path
from urllib.parse import urlparse


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, **kwargs):
    """Wall and CPU seconds of a command, and whether it succeeded."""
    cpu, start = children_cpu(), time.perf_counter()
    ok = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs).returncode == 0
    return time.perf_counter() - start, children_cpu() - cpu, ok


def cached_crate(name, version):
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    for registry in sorted((home / "registry" / "cache").glob("*")):
        crate = registry / f"{name}-{version}.crate"
        if crate.is_file():
            return crate
    return None


def local_repository(repos, url):
    """The repository under `repos` for `url`, as `--repos` finds it."""
    parsed = urlparse(url.strip().removesuffix("/"))
    parts = parsed.path.strip("/").removesuffix(".git").split("/")
    if len(parts) < 2:
        return None
    base = repos / parsed.hostname / parts[0]
    for candidate in (base / parts[1], base / f"{parts[1]}.git"):
        if candidate.exists():
            return candidate
    return None


def path_in_vcs(crate):
    with tarfile.open(crate) as archive:
        for member in archive:
            if member.name.count("/") == 1 and member.name.endswith("/.cargo_vcs_info.json"):
                return json.load(archive.extractfile(member)).get("path_in_vcs", "")
    return None


def manual(crate, repo, commit, path, scratch):
    """Clone, checkout, `cargo package`, compare: wall, CPU, and whether the bytes are the same."""
    shutil.rmtree(scratch, ignore_errors=True)
    clone = scratch / "clone"
    target = scratch / "target"
    steps = [
        ["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(clone)],
        ["git", "-C", str(clone), "-c", "advice.detachedHead=false", "checkout", "-q", commit],
        ["cargo", "package", "--no-verify", "--offline", "--allow-dirty", "-q",
         "--manifest-path", str(clone / path / "Cargo.toml")],
    ]
    wall = cpu = 0.0
    for step in steps:
        w, c, ok = timed(step, env={**os.environ, "CARGO_TARGET_DIR": str(target)})
        wall, cpu = wall + w, cpu + c
        if not ok:
            return wall, cpu, None
    start = time.perf_counter()
    built = target / "package" / crate.name
    same = built.is_file() and built.read_bytes() == crate.read_bytes()
    return wall + time.perf_counter() - start, cpu, same


def floor(crate, repo, commit, path):
    """Decompress the published crate, read the commit's blobs at `path`, compress once."""
    cpu, start = time.process_time() + children_cpu(), time.perf_counter()
    tar = gzip.decompress(crate.read_bytes())
    tree = f"{commit}:{path}" if path else commit
    listing = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--object-only", tree],
                             capture_output=True, check=True).stdout
    subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=listing,
                   stdout=subprocess.DEVNULL, check=True)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    compressor.compress(tar)
    compressor.flush()
    return time.perf_counter() - start, time.process_time() + children_cpu() - cpu


def audit(args, work):
    """The cold audit: its JSON report, wall and CPU seconds."""
    report = work / "report.json"
    cmd = ["cargo", "seal", "audit", "--repos", str(args.repos), "--offline", "--format", "json",
           "-o", str(report), "--accept", "unverifiable"]
    cmd += ["--crates", str(args.crates)] if args.crates else ["--lockfile", str(args.lockfile)]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
    wall, cpu, ok = timed(cmd, env=env)
    if not ok:
        sys.exit(f"`{' '.join(cmd)}` failed")
    return json.loads(report.read_text()), wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--crates", type=Path)
    source.add_argument("--lockfile", type=Path)
    parser.add_argument("--repos", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--report", type=Path, help="the JSON report of a cold audit already run")
    args = parser.parse_args()
    args.repos = args.repos.resolve()

    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        work = Path(tmp)
        if args.report:
            report = json.loads(args.report.read_text())
        else:
            report, wall, cpu = audit(args, work)
            n = len(report["crates"])
            print(f"cold audit of {n} crates: {wall:.1f} s wall, {cpu:.1f} s CPU; "
                  f"{wall / n:.3f} s wall and {cpu / n:.3f} s CPU per crate")

        candidates = []
        for entry in report["crates"]:
            crate = cached_crate(entry["name"], entry["version"])
            repo = entry.get("repository") and local_repository(args.repos, entry["repository"])
            if entry["verdict"] != "identical" or not crate or not repo or not entry.get("commit"):
                continue
            path = path_in_vcs(crate)
            if path is not None:
                candidates.append((crate, repo, entry["commit"], path))
        step = max(1, len(candidates) // args.sample)
        sample = candidates[::step][: args.sample]
        print(f"sample: {len(sample)} of {len(candidates)} crates found identical")

        rows = []
        for crate, repo, commit, path in sample:
            by_hand = manual(crate, repo, commit, path, work / "manual")
            seal = timed(["cargo", "seal", "verify", str(crate), "--repo", str(repo), "--offline"])
            least = floor(crate, repo, commit, path)
            rows.append((crate.name, by_hand, seal, least))
            same = {True: "same bytes", False: "other bytes", None: "failed"}[by_hand[2]]
            print(f"  {crate.name}: manual {by_hand[0]:.3f} s ({same}), seal {seal[0]:.3f} s, "
                  f"floor {least[0]:.3f} s", flush=True)

        def median(values):
            return statistics.median(values) if values else float("nan")

        print(f"\nper crate, median of {len(rows)} (wall / CPU seconds):")
        print(f"  manual way   {median([r[1][0] for r in rows]):.3f} / {median([r[1][1] for r in rows]):.3f}")
        print(f"  cargo seal   {median([r[2][0] for r in rows]):.3f} / {median([r[2][1] for r in rows]):.3f}")
        print(f"  floor        {median([r[3][0] for r in rows]):.3f} / {median([r[3][1] for r in rows]):.3f}")
        print(f"  seal/manual  {median([r[2][0] / r[1][0] for r in rows]):.2f} (median of the ratios)")
        print(f"  seal/floor   {median([r[2][0] / r[3][0] for r in rows]):.2f} (median of the ratios)")
        same = sum(1 for r in rows if r[1][2])
        failed = sum(1 for r in rows if r[1][2] is None)
        print(f"  the manual way gave the published bytes for {same} of {len(rows)} ({failed} failed)")


if __name__ == "__main__":
    main()
