"""Issue 4's speed targets for reusable plans and streaming, measured.

* `Convolver` per call vs one-shot `fc.convolve` (both method='auto') on 1-D signals of
  10**4-10**5 samples and 256²-1024² images: target at least 1.5x.
* `StreamConvolver` throughput on a 10**7-sample signal (chunks of 2**16 and 2**20
  samples) vs in-memory overlap-add (``fc.convolve(method='oa')``): target at least 0.8x.

Also printed for context: scipy.signal.oaconvolve/fftconvolve on the same inputs (scipy
has neither a reusable kernel spectrum nor streaming). Timings are medians of
interleaved repeats (`bench_convolve.time_calls`); every result is checked against the
one-shot result first. ``convolve_file`` and Dask have their own scripts
(`bench_file.py`, `bench_dask.py`).

    python benchmarks/bench_large.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.signal
from bench_convolve import machine_info, machine_line, time_calls

import fftconv as fc

SEED = 20261125
CONVOLVER_CASES: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((10_000,), (255,)),
    ((10_000,), (1023,)),
    ((30_000,), (4095,)),
    ((100_000,), (255,)),
    ((100_000,), (4095,)),
    ((100_000,), (16383,)),
    ((256, 256), (15, 15)),
    ((256, 256), (31, 31)),
    ((512, 512), (31, 31)),
    ((1024, 1024), (31, 31)),
    ((1024, 1024), (63, 63)),
]
STREAM_KERNELS = (101, 1001, 8191)
STREAM_CHUNKS = (1 << 16, 1 << 20)


def _shape(s: tuple[int, ...]) -> str:
    return "x".join(map(str, s))


def _check(got: np.ndarray, ref: np.ndarray, label: str) -> None:
    scale = float(np.abs(ref).max()) or 1.0
    err = float(np.abs(got - ref).max()) / scale
    if got.shape != ref.shape or err > 1e-9:
        raise SystemExit(f"WRONG RESULT {label}: shape {got.shape} vs {ref.shape}, err {err:g}")


def bench_convolver(quick: bool, repeat: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(SEED)
    rows = []
    cases = CONVOLVER_CASES[::3] if quick else CONVOLVER_CASES
    print("\nConvolver: per-call time (ms), method='auto' for both; kind convolve, mode full")
    print(
        f"{'case':<24}{'one-shot':>10}{'Convolver':>11}{'+out=':>9}{'sp_fft':>9}{'sp_oa':>9}"
        f"{'speedup':>9}  methods (one-shot / Convolver)"
    )
    for xs, hs in cases:
        x = rng.standard_normal(xs)
        h = rng.standard_normal(hs)
        conv = fc.Convolver(h, xs)
        out = np.empty(conv.out_shape)
        ref = fc.convolve(x, h)
        calls: dict[str, Callable[[], Any]] = {
            "one_shot": lambda x=x, h=h: fc.convolve(x, h),
            "convolver": lambda x=x, c=conv: c(x),
            "convolver_out": lambda x=x, c=conv, o=out: c(x, out=o),
            "sp_fft": lambda x=x, h=h: scipy.signal.fftconvolve(x, h),
            "sp_oa": lambda x=x, h=h: scipy.signal.oaconvolve(x, h),
        }
        label = f"{_shape(xs)} * {_shape(hs)}"
        t = time_calls(
            calls,
            repeat=repeat,
            slow_repeat=3,
            min_time=0.02,
            max_warmup={},
            on_result=lambda name, got, ref=ref, label=label: _check(got, ref, f"{label} {name}"),
        )
        ms = {k: v.median * 1e3 for k, v in t.items()}
        speedup = ms["one_shot"] / ms["convolver"]
        picked = fc.choose_method(x, h).method
        print(
            f"{label:<24}{ms['one_shot']:>10.4g}{ms['convolver']:>11.4g}"
            f"{ms['convolver_out']:>9.4g}{ms['sp_fft']:>9.4g}{ms['sp_oa']:>9.4g}"
            f"{speedup:>8.2f}x  {picked} / {conv.method}"
        )
        rows.append({"case": label, "ms": ms, "speedup": speedup, "methods": [picked, conv.method]})
    speedups = [r["speedup"] for r in rows]
    worst = min(rows, key=lambda r: r["speedup"])
    verdict = "PASS" if worst["speedup"] >= 1.5 else "FAIL"
    print(
        f"[{verdict}] Convolver per call vs one-shot fc.convolve: geomean "
        f"{statistics.geometric_mean(speedups):.2f}x, min {worst['speedup']:.2f}x at "
        f"[{worst['case']}] (target >= 1.5x on every case); "
        f"{sum(s >= 1.5 for s in speedups)}/{len(speedups)} cases at target"
    )
    return rows


def _median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_stream(quick: bool, repeat: int) -> list[dict[str, Any]]:
    n = 10**6 if quick else 10**7
    rng = np.random.default_rng(SEED + 1)
    x = rng.standard_normal(n)
    rows = []
    print(
        f"\nStreamConvolver on {n:.0e} float64 samples, mode full (median of {repeat} runs; "
        "Msamples/s of input; stream = process() of every chunk + flush())"
    )
    print(f"{'taps':>6}{'chunk':>9}{'in-memory oa':>14}{'stream':>10}{'sp_oa':>10}{'ratio':>8}")
    for m in STREAM_KERNELS[:2] if quick else STREAM_KERNELS:
        h = rng.standard_normal(m)
        ref = fc.convolve(x, h, method="oa")
        t_oa = _median_time(lambda h=h: fc.convolve(x, h, method="oa"), repeat)
        t_sp = _median_time(lambda h=h: scipy.signal.oaconvolve(x, h), max(1, repeat // 2))
        for chunk in STREAM_CHUNKS:

            def stream(h: np.ndarray = h, chunk: int = chunk) -> np.ndarray:
                s = fc.StreamConvolver(h)
                parts = [s.process(x[i : i + chunk]) for i in range(0, n, chunk)]
                parts.append(s.flush())
                return np.concatenate(parts)

            _check(stream(), ref, f"stream {m} taps, chunks of {chunk}")
            t_stream = _median_time(stream, repeat)
            ratio = t_oa / t_stream
            print(
                f"{m:>6}{chunk:>9}{n / t_oa / 1e6:>14.1f}{n / t_stream / 1e6:>10.1f}"
                f"{n / t_sp / 1e6:>10.1f}{ratio:>7.2f}x"
            )
            rows.append(
                {"taps": m, "chunk": chunk, "oa_s": t_oa, "stream_s": t_stream, "ratio": ratio}
            )
    worst = min(rows, key=lambda r: r["ratio"])
    verdict = "PASS" if worst["ratio"] >= 0.8 else "FAIL"
    print(
        f"[{verdict}] StreamConvolver throughput / in-memory overlap-add: "
        f"min {worst['ratio']:.2f}x "
        f"({worst['taps']} taps, chunks of {worst['chunk']}), geomean "
        f"{statistics.geometric_mean([r['ratio'] for r in rows]):.2f}x (target >= 0.8x)"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases, 10**6 samples")
    parser.add_argument("--repeat", type=int, default=7, help="repeats per timing (median)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    print(machine_line(machine_info(None)))
    t0 = time.perf_counter()
    result = {
        "convolver": bench_convolver(args.quick, args.repeat),
        "stream": bench_stream(args.quick, max(3, args.repeat // 2)),
    }
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
