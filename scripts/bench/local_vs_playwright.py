#!/usr/bin/env python3
"""Benchmark: the example suite with hypertest (local provider) vs Playwright's own runner.

After one untimed `hypertest deploy`, runs, alternating, `hypertest invoke --concurrency N`
and `playwright test --workers=N` on the same copy of examples/basic, ROUNDS times each, and prints each wall time and the median
ratio hypertest / playwright. Not a test: timings on a shared 2-core machine are noisy,
which is why the runs alternate and the median is reported.

Usage: scripts/bench/local_vs_playwright.py [--rounds 5] [--concurrency 2] [--no-html-report]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def timed(argv, cwd, env=None):
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{argv[0]} failed with {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--no-html-report", action="store_true", help="skip hypertest's merged HTML report")
    ap.add_argument("--suite", default=os.path.join(ROOT, "examples", "basic"))
    args = ap.parse_args()

    hypertest = os.path.join(ROOT, "build", "hypertest")
    work = tempfile.mkdtemp(prefix="ht-bench-")
    project = os.path.join(work, "suite")
    shutil.copytree(args.suite, project, ignore=shutil.ignore_patterns(
        "node_modules", "test-results", "hypertest-artifacts", "playwright-report", "hypertest.*.json"))
    os.symlink(os.path.join(args.suite, "node_modules"), os.path.join(project, "node_modules"))
    pw = ["node", os.path.join(project, "node_modules", "@playwright", "test", "cli.js"), "test",
          f"--workers={args.concurrency}", "--reporter=dot"]
    ht = [hypertest, "--quiet", "--concurrency", str(args.concurrency), "invoke"]
    if args.no_html_report:
        ht.append("--no-html-report")

    # `hypertest deploy` once, untimed, as in the user's workflow: it freezes the test list in
    # the manifest, and invoke on an unchanged tree runs that list.
    subprocess.run([hypertest, "--quiet", "deploy"], cwd=project, check=True, stdout=subprocess.DEVNULL)
    # One warm-up of each (page cache, first Chromium start).
    timed(pw, project)
    timed(ht, project)
    ours, theirs = [], []
    for i in range(args.rounds):
        theirs.append(timed(pw, project))
        ours.append(timed(ht, project))
        print(f"round {i + 1}: hypertest {ours[-1]:.2f}s  playwright {theirs[-1]:.2f}s  "
              f"ratio {ours[-1] / theirs[-1]:.3f}", flush=True)
    ratios = [o / t for o, t in zip(ours, theirs)]
    print(f"median hypertest {statistics.median(ours):.2f}s, playwright {statistics.median(theirs):.2f}s, "
          f"median ratio {statistics.median(ratios):.3f} (concurrency/workers {args.concurrency}, "
          f"{args.rounds} rounds)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
