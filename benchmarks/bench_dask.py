"""Throughput of ``fc.convolve`` on a Dask array of several GiB on a LocalCluster.

Usage::

    python benchmarks/bench_dask.py                 # 4 GiB float64, 2 workers (~50 s on 2 cores)
    python benchmarks/bench_dask.py --gib 0.25      # a quick run
    python benchmarks/bench_dask.py --workers 4 --threads-per-worker 1

A lazy array of standard normal float64 samples (``dask.array.random``, seeded, generated
chunk by chunk inside the workers, so it never exists in memory as a whole) is convolved
with a seeded kernel (default 1001 taps, mode 'same') on a ``dask.distributed``
LocalCluster of worker processes, and reduced to three numbers (sum, min, max), so the
result is never held in memory either. Timed, as the median of interleaved repeats:

* ``generate + reduce``: the same graph without the convolution (the random numbers and
  the reduction cost time of their own);
* ``generate + convolve + reduce``: the whole graph; the difference of the two is the
  convolution's own share, reported as GiB/s and MSamples/s per worker;
* for comparison, ``fc.convolve`` in memory (no dask) on one chunk-sized array with the
  same kernel and mode, in one process alone and in every worker process at once (what
  each core gets when all of them are busy: memory bandwidth is shared).

The last convolve run's task stream gives the workers' time per task kind (``_block``:
the per-chunk ``fc.convolve``; ``overlap``: the copies that widen chunks; the random
numbers and reductions) and how busy the worker threads were.

Before timing, two slices of the lazy result across chunk boundaries are checked against
the in-memory ``fc.convolve`` of the matching input samples, with SPEC.md §4's norm-wise
bound (``8 * eps * log2(size) * ||x|| * ||h||``).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster, get_task_stream
except ImportError as exc:
    raise SystemExit(f"bench_dask.py needs dask: pip install 'fftconv[dask]' ({exc})") from exc

try:
    import fftconv as fc
except ImportError:  # run from a checkout where fftconv is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fftconv as fc

SEED = 20240611
GIB = 2**30
MIB = 2**20


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gib", type=float, default=4.0, help="size of the input in GiB (4)")
    p.add_argument("--chunk-mib", type=float, default=128.0, help="chunk size in MiB (128)")
    p.add_argument("--taps", type=int, default=1001, help="kernel length (1001)")
    p.add_argument("--mode", choices=("full", "same", "valid"), default="same")
    p.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    p.add_argument("--threads-per-worker", type=int, default=1, help="threads each (1)")
    p.add_argument(
        "--fft-threads",
        type=int,
        default=1,
        help="fc's workers= per block and in memory (1: one core per dask thread)",
    )
    p.add_argument("--repeat", type=int, default=3, help="repeats; the median is reported")
    p.add_argument(
        "--seconds", type=float, default=3.0, help="duration of each in-memory loop (3 s)"
    )
    return p.parse_args(argv)


def machine_line() -> str:
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__}, "
        f"fftconv {fc.__version__} (backend {fc.get_backend()}), "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def stats(a: Any) -> tuple[Any, ...]:
    """Three lazy reductions: computed together, they read every sample once."""
    return a.sum(), a.min(), a.max()


def timed(graph: tuple[Any, ...]) -> float:
    """Seconds to compute the reductions together, on the default client (the cluster)."""
    t0 = time.perf_counter()
    dask.compute(*graph)
    return time.perf_counter() - t0


def check(x: Any, y: Any, h: np.ndarray, mode: str, chunk: int) -> tuple[float, float]:
    """Max error of two slices of y (across the first and the last chunk boundary of x)
    against the in-memory convolution of the input samples they read, and the bound."""
    n, m = x.shape[0], h.size
    start = {"full": 0, "same": (m - 1) // 2, "valid": m - 1}[mode]  # SPEC §3 windows
    worst, bound = 0.0, 0.0
    for centre in (chunk, (x.numblocks[0] - 1) * chunk):
        lo = max(centre - 2000, m)
        hi = min(centre + 2000, n - m)
        # y[i] = full[start + i] reads x[start + i - (m - 1) ... start + i]
        xs = x[lo + start - (m - 1) : hi + start].compute()
        expected = fc.convolve(xs, h, "valid")
        got = y[lo:hi].compute()
        worst = max(worst, float(np.max(np.abs(got - expected))))
        size = xs.size + m - 1
        eps = float(np.finfo(np.float64).eps)
        bound = max(bound, 8 * eps * math.log2(size) * np.linalg.norm(xs) * np.linalg.norm(h))
    return worst, bound


def in_memory_rate(
    chunk: int, h: np.ndarray, mode: str, threads: int, start_at: float, seconds: float
) -> float:
    """MSamples/s of fc.convolve on one chunk-sized array in this process (no dask):
    calls from `start_at` (wall clock) for `seconds`, so that copies run in several
    processes at once measure what each core gets while all of them are busy."""
    xa = np.random.default_rng(SEED).standard_normal(chunk)
    fc.convolve(xa, h, mode, workers=threads)  # warm-up: plans, caches, first touch
    time.sleep(max(0.0, start_at - time.time()))
    calls = 0
    t0 = time.perf_counter()
    while calls == 0 or time.perf_counter() - t0 < seconds:
        fc.convolve(xa, h, mode, workers=threads)
        calls += 1
    return calls * chunk / (time.perf_counter() - t0) / 1e6


def task_breakdown(tasks: list[dict[str, Any]], wall: float, n_workers: int) -> str:
    """Compute time per task kind (the key's prefix) summed over the workers, the mean
    per task, and how busy the worker threads were over the wall time."""
    seconds: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for task in tasks:
        key = task["key"][0] if isinstance(task["key"], tuple) else str(task["key"])
        prefix = key.rsplit("-", 1)[0]
        for part in task["startstops"]:
            if part["action"] == "compute":
                seconds[prefix] += part["stop"] - part["start"]
                counts[prefix] += 1
    parts = [
        f"{name} {t:.2f} s ({counts[name]} x {1e3 * t / counts[name]:.0f} ms)"
        for name, t in seconds.most_common(4)
    ]
    busy = sum(seconds.values()) / (wall * n_workers)
    return "; ".join(parts) + f"; worker threads busy {100 * busy:.0f}% of the wall time"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    t_start = time.perf_counter()
    print(machine_line())
    n = int(args.gib * GIB) // 8
    chunk = int(args.chunk_mib * MIB) // 8
    h = np.random.default_rng(SEED + 1).standard_normal(args.taps) / math.sqrt(args.taps)
    x = da.random.default_rng(SEED).standard_normal(n, chunks=chunk)
    y = fc.convolve(x, h, args.mode, workers=args.fft_threads)
    n_workers = args.workers * args.threads_per_worker
    print(
        f"dask array: {n * 8 / GIB:.2f} GiB float64 ({n:,} samples) in {x.numblocks[0]} chunks "
        f"of {chunk * 8 / MIB:.0f} MiB; kernel {args.taps} taps, mode '{args.mode}'; "
        f"LocalCluster: {args.workers} worker processes x {args.threads_per_worker} thread(s); "
        f"fc workers={args.fft_threads}; median of {args.repeat} repeats"
    )
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=args.threads_per_worker,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        worst, bound = check(x, y, h, args.mode, chunk)  # also warms up every worker
        verdict = "PASS" if worst <= bound else "FAIL"
        print(
            f"check: 2 slices across chunk boundaries vs in-memory fc.convolve: max error "
            f"{worst:.3g}, bound {bound:.3g} [{verdict}]"
        )
        base_times, conv_times = [], []
        for _ in range(args.repeat):  # interleaved: a burst of load hits both alike
            base_times.append(timed(stats(x)))
            with get_task_stream() as stream:  # where the workers' time goes
                conv_times.append(timed(stats(y)))
        # the same in-memory loop in every worker process at once (client.run)
        start_at = time.time() + 2.0 + chunk * 8 / GIB  # after every warm-up call
        rates_at_once = client.run(
            in_memory_rate, chunk, h, args.mode, args.fft_threads, start_at, args.seconds
        )
    mem_alone = in_memory_rate(chunk, h, args.mode, args.fft_threads, 0.0, args.seconds)
    mem_at_once = statistics.median(rates_at_once.values())
    base = statistics.median(base_times)
    total = statistics.median(conv_times)
    own = total - base
    gib = n * 8 / GIB
    own_rate = n / own / 1e6 / n_workers

    breakdown = task_breakdown(stream.data, conv_times[-1], n_workers)

    def rates(seconds: float) -> str:
        return (
            f"{gib / seconds:.3f} GiB/s, {n / seconds / 1e6 / n_workers:.1f} MSamples/s "
            f"per worker thread"
        )

    print(f"generate + reduce only:           {base:7.2f} s  ({rates(base)})")
    print(f"generate + convolve + reduce:     {total:7.2f} s  ({rates(total)})")
    print(f"convolution's own share:          {own:7.2f} s  ({rates(own)})")
    print(f"worker time in the last convolve run, per task kind: {breakdown}")
    print(
        f"in memory, no dask, one chunk of {chunk:,} samples: {mem_alone:.1f} MSamples/s in one "
        f"process alone, {mem_at_once:.1f} MSamples/s per process with {len(rates_at_once)} "
        f"worker processes running it at once"
    )
    print(
        f"per-worker efficiency of the convolution's own share: {own_rate / mem_alone:.2f} of "
        f"one process alone, {own_rate / mem_at_once:.2f} of the in-memory loop in every "
        f"worker at once"
    )
    print(
        f"total benchmark time: {time.perf_counter() - t_start:.0f} s; "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
