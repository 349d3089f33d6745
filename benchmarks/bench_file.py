"""Peak memory and throughput of ``fc.convolve_file`` on a multi-GiB ``.npy`` file.

Usage::

    python benchmarks/bench_file.py              # 2 GiB float64, 1001 taps (~20 s on 2 cores)
    python benchmarks/bench_file.py --gib 0.25   # a quick run
    python benchmarks/bench_file.py --mode same --taps 4001 --dir /data/scratch

In a temporary directory (``--dir``: where it is made; it needs twice ``--gib`` of free
disk) this writes a ``.npy`` file of seeded standard normal float64 samples, a few MiB at a
time (the benchmark itself never holds the signal in memory), then, by default, fsyncs it
and asks the kernel to drop its pages from the page cache, so the run reads it from disk.

``fc.convolve_file`` then runs in a fresh child process, which reports its peak resident
set size (``VmHWM`` in /proc/self/status; the parent cross-checks it with
``getrusage(RUSAGE_CHILDREN).ru_maxrss``), the same peak just after importing fftconv, and
the call's wall time (everything: reading, convolving, writing, fsync, rename). For
comparison, in-memory ``fc.convolve`` of a 10**7-sample array with the same kernel and
mode is timed in this process (median of ``--repeat`` calls).

The result is spot-checked: five slices of the output file (its start, its end and three
chunk boundaries) against the in-memory ``fc.convolve`` of the input samples they read,
within SPEC.md §4's norm-wise bound ``8 * eps * log2(size) * ||x|| * ||h||``. The last
line is PASS when the peak RSS is at most ``--limit-mib`` (300) and every slice matches.
The temporary directory is removed at the end, also after an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

try:
    import fftconv as fc
except ImportError:  # run from a checkout where fftconv is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fftconv as fc
from fftconv._file import CHUNK_BYTES

SEED = 20240611
GIB = 2**30
MIB = 2**20
WRITE_SAMPLES = 2**20  # samples generated and written per step when making the source

# The child: convolve_file alone in a fresh interpreter, so that its peak RSS is that of
# one call (plus the interpreter and the libraries), not of this benchmark.
CHILD = """
import json, math, sys, time
import numpy as np
import fftconv as fc

def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

src, dst, taps, seed, mode, chunk = sys.argv[1:7]
h = np.random.default_rng(int(seed)).standard_normal(int(taps)) / math.sqrt(int(taps))
after_import = peak_mib()
t0 = time.perf_counter()
fc.convolve_file(src, h, dst, mode=mode, chunk_size=None if chunk == "None" else int(chunk))
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_mib": peak_mib(), "import_mib": after_import}))
"""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gib", type=float, default=2.0, help="size of the source in GiB (2)")
    p.add_argument("--taps", type=int, default=1001, help="kernel length (1001)")
    p.add_argument("--mode", choices=("full", "same", "valid"), default="full")
    p.add_argument("--chunk-size", type=int, default=None, help="samples per chunk (default)")
    p.add_argument("--limit-mib", type=float, default=300.0, help="peak RSS target (300)")
    p.add_argument("--repeat", type=int, default=3, help="in-memory repeats; median (3)")
    p.add_argument("--dir", default=None, help="where to make the temporary directory")
    p.add_argument(
        "--warm", action="store_true", help="leave the source in the page cache (no eviction)"
    )
    return p.parse_args(argv)


def machine_line() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"{mem:.0f} GiB RAM, python {platform.python_version()}, numpy {np.__version__}, "
        f"fftconv {fc.__version__} (backend {fc.get_backend()}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def kernel(taps: int) -> np.ndarray:
    """The seeded kernel; the child makes the same one from the same seed."""
    return np.random.default_rng(SEED + 1).standard_normal(taps) / math.sqrt(taps)


def write_source(path: Path, n: int, evict: bool) -> float:
    """Write `n` seeded float64 samples as a .npy file, a piece at a time; return seconds."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    with open(path, "wb") as f:
        header = {"descr": "<f8", "fortran_order": False, "shape": (n,)}
        np.lib.format.write_array_header_1_0(f, header)
        for start in range(0, n, WRITE_SAMPLES):
            f.write(rng.standard_normal(min(WRITE_SAMPLES, n - start)).tobytes())
        f.flush()
        if evict:  # read from disk in the run, not from the page cache
            os.fsync(f.fileno())
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return time.perf_counter() - t0


def spot_check(src: Path, dst: Path, h: np.ndarray, mode: str, chunk: int) -> tuple[float, float]:
    """Max error of five slices of dst against in-memory fc.convolve of the inputs they
    read, and the largest SPEC §4 bound of those slices."""
    x = np.load(src, mmap_mode="r")
    y = np.load(dst, mmap_mode="r")
    n, m = x.shape[0], h.size
    start = {"full": 0, "same": (m - 1) // 2, "valid": m - 1}[mode]  # SPEC §3 windows
    assert y.shape[0] == {"full": n + m - 1, "same": n, "valid": n - m + 1}[mode]
    eps = float(np.finfo(np.float64).eps)
    worst, bound = 0.0, 0.0
    for centre in (0, chunk, n // 2 // chunk * chunk, (n // chunk - 1) * chunk, y.shape[0]):
        lo = min(max(centre - 3000, 0), y.shape[0] - 1)
        hi = min(lo + 6000, y.shape[0])
        # y[i] = full[start + i] reads x[start + i - (m - 1) ... start + i] (zero outside)
        first, last = start + lo - (m - 1), start + hi
        xs = np.zeros(last - first)
        a, b = max(first, 0), min(last, n)
        xs[a - first : b - first] = x[a:b]
        expected = fc.convolve(xs, h, "valid")
        worst = max(worst, float(np.max(np.abs(y[lo:hi] - expected))))
        size = n + m - 1
        bound = max(bound, 8 * eps * math.log2(size) * np.linalg.norm(xs) * np.linalg.norm(h))
    del x, y
    return worst, bound


def in_memory_rate(h: np.ndarray, mode: str, repeat: int) -> float:
    """MB/s (input bytes) of fc.convolve on a 10**7-sample float64 array, median."""
    x = np.random.default_rng(SEED).standard_normal(10**7)
    fc.convolve(x, h, mode)  # warm-up: plans, caches, first touch
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fc.convolve(x, h, mode)
        times.append(time.perf_counter() - t0)
    return x.nbytes / statistics.median(times) / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    print(machine_line())
    n = int(args.gib * GIB) // 8
    h = kernel(args.taps)
    tmp = Path(tempfile.mkdtemp(prefix="bench_file.", dir=args.dir))
    try:
        src, dst = tmp / "signal.npy", tmp / "result.npy"
        made = write_source(src, n, evict=not args.warm)
        print(
            f"source: {src.stat().st_size / GIB:.2f} GiB float64 .npy ({n:,} samples), "
            f"written in {made:.1f} s{'' if args.warm else ', then evicted from the page cache'}"
            f"; kernel {args.taps} taps, mode '{args.mode}', chunk_size "
            f"{args.chunk_size or 'default'}"
        )
        command = [sys.executable, "-c", CHILD, str(src), str(dst), str(args.taps)]
        command += [str(SEED + 1), args.mode, str(args.chunk_size)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print("FAIL: convolve_file failed in the child process")
            return 1
        child = json.loads(done.stdout.strip().splitlines()[-1])
        maxrss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB
        seconds = child["seconds"]
        in_bytes, out_bytes = n * 8, dst.stat().st_size
        print(
            f"convolve_file: {seconds:.1f} s, {in_bytes / seconds / 1e6:.0f} MB/s of input "
            f"({n / seconds / 1e6:.1f} MSamples/s; output {out_bytes / GIB:.2f} GiB)"
        )
        print(
            f"peak RSS of the child: {child['peak_mib']:.0f} MiB (VmHWM; ru_maxrss "
            f"{maxrss_mib:.0f} MiB), of which {child['import_mib']:.0f} MiB after importing "
            f"fftconv"
        )
        mem_rate = in_memory_rate(h, args.mode, args.repeat)
        print(
            f"in memory, fc.convolve of 10**7 samples: {mem_rate:.0f} MB/s "
            f"(convolve_file runs at {in_bytes / seconds / 1e6 / mem_rate:.2f} of that)"
        )
        chunk = args.chunk_size or max(1, CHUNK_BYTES // 8)
        worst, bound = spot_check(src, dst, h, args.mode, chunk)
        checked = worst <= bound
        print(
            f"check: 5 slices of the output (start, end, chunk boundaries) vs in-memory "
            f"fc.convolve: max error {worst:.3g}, bound {bound:.3g} "
            f"[{'PASS' if checked else 'FAIL'}]"
        )
        peak = max(child["peak_mib"], maxrss_mib)
        ok = checked and peak <= args.limit_mib
        print(
            f"{'PASS' if ok else 'FAIL'}: peak RSS {peak:.0f} MiB <= {args.limit_mib:.0f} MiB "
            f"for a {in_bytes / GIB:.2f} GiB file{'' if checked else ' (check failed)'}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"total benchmark time: {time.perf_counter() - t_start:.0f} s; "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
