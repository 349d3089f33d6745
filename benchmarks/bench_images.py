"""The images issue's speed targets for boundary rules and NaN handling, measured.

* Boundary-mode convolution of a 1024² float64 image (mode 'same') with kernels of 31²
  and 63², for every rule scipy.ndimage also has, vs ``scipy.ndimage.convolve`` with the
  matching mode and origin: target at least 5x.
* ``nan_policy='propagate'`` with a few NaNs (5 at random places) vs the NaN-free call,
  same image and kernel, method 'fft': target at most 1.2x. Also printed: 'omit'.

Separable kernels and template matching have their own scripts (`bench_separable.py`,
`bench_template.py`). Timings are medians of interleaved repeats
(`bench_convolve.time_calls`); every fftconv result is checked against scipy.ndimage (or
the NaN-free call outside the NaN windows) before timing counts.

    python benchmarks/bench_images.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np
import scipy.ndimage
from bench_convolve import machine_info, machine_line, time_calls

import fftconv as fc

SEED = 20261203
# fftconv rule -> scipy.ndimage mode
RULES = {"symm": "reflect", "mirror": "mirror", "edge": "nearest", "wrap": "grid-wrap",
         "fill": "constant"}  # fmt: skip


def _ndimage_origin(kernel: np.ndarray) -> list[int]:
    # ndimage.convolve flips about M // 2; fftconv's 'same' starts at (M - 1) // 2.
    return [-1 if m % 2 == 0 else 0 for m in kernel.shape]


def _check(got: np.ndarray, want: np.ndarray, label: str) -> None:
    err = float(np.abs(got - want).max()) / (float(np.abs(want).max()) or 1.0)
    if got.shape != want.shape or err > 1e-9:
        raise SystemExit(f"WRONG RESULT {label}: shape {got.shape} vs {want.shape}, err {err:g}")


def bench_boundaries(size: int, kernels: list[int], repeat: int) -> list[float]:
    rng = np.random.default_rng(SEED)
    image = rng.standard_normal((size, size))
    ratios = []
    print(f"\nboundary rules, {size}x{size} float64 image, mode 'same' (median seconds)")
    print(f"{'kernel':>8} {'rule':>7} {'fc.convolve':>12} {'ndimage':>10} {'ratio':>7}")
    for m in kernels:
        kernel = rng.standard_normal((m, m))
        for rule, nd_mode in RULES.items():
            calls: dict[str, Any] = {
                "fc": lambda r=rule, k=kernel: fc.convolve(
                    image, k, "same", boundary=r, fillvalue=0.5
                ),
                "ndimage": lambda n=nd_mode, k=kernel: scipy.ndimage.convolve(
                    image, k, mode=n, cval=0.5, origin=_ndimage_origin(k)
                ),
            }
            results: dict[str, np.ndarray] = {}
            timings = time_calls(
                calls,
                repeat=repeat,
                slow_repeat=min(repeat, 2),
                min_time=0.2,
                max_warmup={},
                on_result=results.__setitem__,
            )
            _check(results["fc"], results["ndimage"], f"{rule} {m}")
            fc_t, nd_t = timings["fc"].median, timings["ndimage"].median
            assert fc_t is not None and nd_t is not None
            ratios.append(nd_t / fc_t)
            print(f"{m:>6}^2 {rule:>7} {fc_t:12.4f} {nd_t:10.3f} {nd_t / fc_t:6.1f}x")
    return ratios


def bench_nan(size: int, m: int, repeat: int) -> float:
    rng = np.random.default_rng(SEED + 1)
    image = rng.standard_normal((size, size))
    holes = image.copy()
    holes.flat[rng.choice(image.size, 5, replace=False)] = np.nan
    kernel = rng.standard_normal((m, m))
    calls = {
        "finite": lambda: fc.convolve(image, kernel, "same", "fft"),
        "propagate": lambda: fc.convolve(holes, kernel, "same", "fft"),
        "omit": lambda: fc.convolve(holes, kernel, "same", "fft", nan_policy="omit"),
    }
    results: dict[str, np.ndarray] = {}
    timings = time_calls(
        calls, repeat=repeat, slow_repeat=repeat, min_time=0.2, max_warmup={},
        on_result=results.__setitem__,
    )  # fmt: skip
    inside = ~np.isnan(results["propagate"])
    if inside.sum() >= image.size or inside.sum() < image.size - 5 * m * m:
        raise SystemExit("WRONG RESULT: the NaNs did not stay in their windows")
    _check(results["propagate"][inside], results["finite"][inside], "propagate")
    base = timings["finite"].median
    assert base is not None
    print(f"\nnon-finite values, {size}x{size} image, {m}x{m} kernel, method 'fft' (median s)")
    for name, timing in timings.items():
        assert timing.median is not None
        print(f"{name:>10} {timing.median:9.4f}  {timing.median / base:5.2f}x the NaN-free call")
    propagate = timings["propagate"].median
    assert propagate is not None
    return propagate / base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256² image, 31² kernel only")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine_line(machine_info(None)))
    size, kernels = (256, [31]) if args.quick else (1024, [31, 63])
    ratios = bench_boundaries(size, kernels, args.repeat)
    nan_ratio = bench_nan(size, 31, args.repeat)
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    worst = min(ratios)
    print()
    print(
        f"[{'PASS' if worst >= 5 else 'FAIL'}] boundary rules vs scipy.ndimage.convolve "
        f"(kernels >= 31²): worst {worst:.1f}x, geomean {geomean:.1f}x (target >= 5x)"
    )
    print(
        f"[{'PASS' if nan_ratio <= 1.2 else 'FAIL'}] nan_policy='propagate' with 5 NaNs / "
        f"NaN-free call: {nan_ratio:.2f}x (target <= 1.2x)"
    )


if __name__ == "__main__":
    main()
