"""How fast ``advisor profile`` is on a long series: wall seconds and peak memory.

Writes a seeded univariate CSV (one row a minute: a daily and an hourly cycle, a slow
random walk and noise) to a temporary folder, then runs ``advisor profile`` on it as a
subprocess several times. Each run's peak resident memory comes from ``os.wait4``, which
reports the rusage of that one child. The target (issue "Probes: a dataset profile"):
a 1,000,000-row file in under 20 seconds on 2 CPU cores, under 1 GB of memory.

Usage::

    python benchmarks/profile_speed.py [--rows 1000000] [--runs 3] [--seed 0]

Not a test: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_SECONDS = 20.0
TARGET_RSS_BYTES = 1 << 30


def write_series(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    y = (
        20
        + 3 * np.sin(2 * np.pi * t / 1440)
        + 1 * np.sin(2 * np.pi * t / 60)
        + np.cumsum(rng.normal(0, 0.01, rows))
        + rng.normal(0, 0.5, rows)
    )
    times = pd.date_range("2020-01-01", periods=rows, freq="min")
    pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "load": y.round(4)}).to_csv(
        path, index=False
    )


def run_once(csv: Path, out: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes, exit code) of one ``advisor profile`` run."""
    cmd = [sys.executable, "-m", "advisor", "profile", str(csv), "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    return seconds, usage.ru_maxrss * 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="profile-speed-") as tmp:
        csv = Path(tmp) / "long.csv"
        write_series(csv, args.rows, args.seed)
        size_mb = csv.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size_mb:.1f} MB, {os.cpu_count()} CPUs; {args.runs} runs")
        seconds, peaks = [], []
        for i in range(args.runs):
            wall, rss, code = run_once(csv, Path(tmp) / f"out{i}")
            if code:
                print(f"run {i + 1}: advisor profile failed with exit code {code}")
                return 1
            seconds.append(wall)
            peaks.append(rss)
            print(f"run {i + 1}: {wall:.2f} s, peak RSS {rss / 2**20:.0f} MiB")
    print(
        f"wall seconds: min {min(seconds):.2f}, median {statistics.median(seconds):.2f}, "
        f"max {max(seconds):.2f} (target < {TARGET_SECONDS:.0f})"
    )
    print(f"peak RSS: {max(peaks) / 2**20:.0f} MiB (target < {TARGET_RSS_BYTES / 2**20:.0f})")
    ok = statistics.median(seconds) < TARGET_SECONDS and max(peaks) < TARGET_RSS_BYTES
    print("within target" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
