"""Measure the constants of fftconv's cost model (fftconv/_method.py) on this machine.

Each engine is timed on a small grid (median of repeats; only the engine call is timed)
and its constants fitted by least squares. The script prints the constants, ready to
paste into ``_method.py``, and the accuracy of the fitted model on the grid
(measured / predicted), which the module docstring quotes.

Run: ``python benchmarks/calibrate.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np

from fftconv._backends import resolve_backend
from fftconv._direct import direct_convolve, direct_macs
from fftconv._fft import fast_lengths, fft_convolve
from fftconv._spec import ConvSpec, make_spec

# The cost model's dtype keys and the dtype each is measured with.
DTYPES = (
    ("f4", "float32"),
    ("f8", "float64"),
    ("c8", "complex64"),
    ("c16", "complex128"),
    ("i8", "int64"),
)


def median_time(call: Callable[[], object], repeat: int = 5, min_time: float = 0.02) -> float:
    """Median seconds per call over `repeat` runs of enough calls to last `min_time`."""
    call()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        if time.perf_counter() - start >= min_time:
            break
        number *= 2
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def _spec(n: tuple[int, ...], m: tuple[int, ...], dtype: str, mode: str = "full") -> ConvSpec:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(dtype)
    h = rng.standard_normal(m).astype(dtype)
    return make_spec(x, h, kind="convolve", mode=mode)  # type: ignore[arg-type]


def fit(rows: list[tuple[list[float], float]]) -> list[float]:
    """Non-negative-ish least squares on relative error: minimise sum((A c - t) / t)^2."""
    a = np.array([[f / t for f in feats] for feats, t in rows])
    b = np.ones(len(rows))
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    return [max(float(c), 0.0) for c in coef]


def calibrate_direct_1d() -> tuple[dict[str, float], float, dict[str, float]]:
    """numpy.convolve: per multiply-add plus per output (generic loop), and per
    multiply-add for the unrolled kernels of up to 8 taps (float32/float64)."""
    per_mac, per_out, small = {}, [], {}
    for key, dtype in DTYPES:
        rows = []
        for n, m in ((20_000, 31), (20_000, 400), (100_000, 16), (100_000, 100)):
            spec = _spec((n,), (m,), dtype)
            t = median_time(lambda s=spec: direct_convolve(s.in1, s.in2, s))
            rows.append(([direct_macs(spec), spec.out_shape[0]], t * 1e9))
        mac, out = fit(rows)
        per_mac[key] = round(mac, 4)
        per_out.append(out)
        if key in ("f4", "f8"):
            small_rows = []
            for n, m in ((100_000, 3), (100_000, 8), (20_000, 5)):
                spec = _spec((n,), (m,), dtype)
                t = median_time(lambda s=spec: direct_convolve(s.in1, s.in2, s))
                small_rows.append(([direct_macs(spec)], t * 1e9))
            small[key] = round(fit(small_rows)[0], 4)
    return per_mac, round(statistics.median(per_out), 2), small


def calibrate_direct_nd() -> tuple[dict[str, float], float]:
    per_mac, steps = {}, []
    for key, dtype in DTYPES:
        rows = []
        for n, m in (
            ((512, 512), (3, 3)),
            ((256, 256), (9, 9)),
            ((64, 64), (15, 15)),
            ((32, 32), (9, 9)),
        ):
            spec = _spec(n, m, dtype, "same")
            t = median_time(lambda s=spec: direct_convolve(s.in1, s.in2, s))
            rows.append(([direct_macs(spec), math.prod(m)], t * 1e9))
        mac, step = fit(rows)
        per_mac[key] = round(mac, 4)
        steps.append(step)
    return per_mac, round(statistics.median(steps), -1)


def calibrate_fft() -> dict[str, float]:
    """Transform constant per dtype as the median over a grid of
    (time - fixed call cost) / (3 transforms * L log2 L); robust to a noisy machine."""
    backend = resolve_backend("pyfftw")
    tiny = _spec((32,), (4,), "float64")
    call_ns = median_time(lambda: fft_convolve(tiny.in1, tiny.in2, tiny, backend, 1)) * 1e9
    result: dict[str, float] = {"FFT_CALL_NS": round(call_ns, -2)}
    for dtype, name in (("float64", "FFT_F8_NS"), ("float32", "FFT_F4_NS")):
        per_point = []
        for n, m in (
            ((4096,), (512,)),
            ((60_000,), (5000,)),
            ((500_000,), (20_000,)),
            ((128, 128), (15, 15)),
            ((512, 512), (31, 31)),
            ((1024, 1024), (64, 64)),
        ):
            spec = _spec(n, m, dtype)
            size = math.prod(fast_lengths(spec, backend, real=True))
            t = median_time(lambda s=spec: fft_convolve(s.in1, s.in2, s, backend, 1)) * 1e9
            per_point.append((t - call_ns) / (3 * size * math.log2(size)))
        result[name] = round(statistics.median(per_point), 3)
        spread = max(per_point) / min(per_point)
        print(f"# {name}: per-case constants spread over a factor {spread:.1f}")
    return result


def main() -> None:
    start = time.perf_counter()
    d1, d1_out, d1_small = calibrate_direct_1d()
    dnd, step = calibrate_direct_nd()
    fft = calibrate_fft()
    print("# Paste into fftconv/_method.py")
    print(f"DIRECT_1D_NS = {d1}")
    print(f"DIRECT_1D_OUT_NS = {d1_out}")
    print(f"DIRECT_1D_SMALL_NS = {d1_small}")
    print(f"DIRECT_ND_NS = {dnd}")
    print(f"DIRECT_ND_STEP_NS = {step}")
    print("FFT_PASS_NS = 0.0  # folded into the transform constant")
    for name, value in fft.items():
        print(f"{name} = {value}")
    print(f"# calibration took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
