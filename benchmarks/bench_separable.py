"""Issue 5's separable-kernel target, measured: a separable 15² Gaussian at least 3x faster
than the same kernel forced non-separable.

For float64 and float32 images of 512², 1024² and 2048² ('same' mode), times:

* ``fc auto``: ``fc.convolve(x, K)`` with the 15x15 Gaussian ``K = outer(g, g)``, which
  splits the kernel by itself (the ``split`` column says whether it did);
* ``fc sepconvolve``: ``fc.sepconvolve(x, [g, g])`` (the 1-D kernels given);
* ``fc fft`` / ``fc oa`` / ``fc direct``: ``fc.convolve`` with a forced method, which never
  splits (the direct sum only where it takes under ``--max-direct-seconds``): the best of
  them is "the same kernel forced non-separable";
* for context ``scipy.signal.convolve`` (auto) and ``scipy.ndimage.convolve`` (constant
  mode, the same centring for an odd kernel).

The target line compares the split call (auto when it split, else sepconvolve) with the best
unsplit fc method. Every result is checked against ``fc fft`` with SPEC.md §4's bound
(``16 eps log2(size) ||x|| ||K||``). Medians of interleaved repeats
(`bench_convolve.time_calls`). The machine is shared: quote the load average printed.

    python benchmarks/bench_separable.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

# BLAS threads before numpy loads BLAS: one, the library's default for FFTs (`workers`).
# Measured here under load, OpenBLAS's default (all cores) made numpy.vdot of 2 MB 20 ms
# (fftconv's result-side finiteness check) and the separable passes 5-20x slower.
if "--blas-threads" in sys.argv:
    _threads = sys.argv[sys.argv.index("--blas-threads") + 1]
else:
    _threads = "1"
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, _threads)

import numpy as np  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.signal  # noqa: E402
from bench_convolve import machine_info, machine_line, time_calls  # noqa: E402

import fftconv as fc  # noqa: E402
from fftconv import _separable  # noqa: E402
from fftconv._backends import resolve_backend  # noqa: E402
from fftconv._spec import make_spec  # noqa: E402

SEED = 20261203
SIZES = (512, 1024, 2048)
DTYPES = ("float64", "float32")
TAPS = 15
TARGET = 3.0


def gaussian(taps: int = TAPS, sigma: float = 2.5) -> np.ndarray:
    t = np.arange(taps) - (taps - 1) / 2
    g = np.exp(-(t**2) / (2 * sigma**2))
    return g / g.sum()


def bound(x: np.ndarray, k: np.ndarray) -> float:
    eps = float(np.finfo(x.dtype).eps)
    size = math.prod(n + m - 1 for n, m in zip(x.shape, k.shape, strict=True))
    return 16 * eps * math.log2(size) * float(np.linalg.norm(x)) * float(np.linalg.norm(k))


def run_case(n: int, dtype: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng([SEED, n, len(dtype)])
    x = rng.standard_normal((n, n)).astype(dtype)
    g = gaussian().astype(dtype)
    k = np.outer(g, g)
    for a in (x, g, k):
        a.flags.writeable = False  # a path that writes to its input fails loudly
    spec = make_spec(x, k, kind="convolve", mode="same")
    would = _separable.try_separable(spec, resolve_backend(None), None) is not None
    # Whether fc.convolve's auto path really splits.
    seen: list[int] = []
    real = _separable._separable
    _separable._separable = lambda *a, **kw: seen.append(1) or real(*a, **kw)  # type: ignore[assignment]
    try:
        fc.convolve(x, k, "same")
    finally:
        _separable._separable = real
    split = bool(seen)
    calls = {
        "fc auto": lambda: fc.convolve(x, k, "same"),
        "fc sepconvolve": lambda: fc.sepconvolve(x, [g, g], "same"),
        "fc fft": lambda: fc.convolve(x, k, "same", "fft"),
        "fc oa": lambda: fc.convolve(x, k, "same", "oa"),
        "fc direct": lambda: fc.convolve(x, k, "same", "direct"),
        "scipy.signal": lambda: scipy.signal.convolve(x, k, "same"),
        "scipy.ndimage": lambda: scipy.ndimage.convolve(x, k, mode="constant"),
    }
    reference = fc.convolve(x, k, "same", "fft")
    limit = bound(x, k)
    wrong: list[str] = []

    def check(name: str, got: Any) -> None:
        err = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - reference)))
        if got.shape != reference.shape or err > limit:
            wrong.append(f"{name}: shape {got.shape}, error {err:.3g} > {limit:.3g}")

    timings = time_calls(
        calls,
        repeat=args.repeat,
        slow_repeat=3,
        min_time=0.02,
        max_warmup={"fc direct": args.max_direct_seconds, "scipy.ndimage": 10.0},
        on_result=check,
    )
    ms = {name: (t.median * 1e3 if t.median is not None else None) for name, t in timings.items()}
    unsplit = min(v for name in ("fc fft", "fc oa", "fc direct") if (v := ms[name]) is not None)
    fast = ms["fc auto"] if split else ms["fc sepconvolve"]
    assert fast is not None
    return {
        "n": n,
        "dtype": dtype,
        "split": split,
        "would": would,
        "ms": ms,
        "unsplit": unsplit,
        "fast": fast,
        "ratio": unsplit / fast,
        "wrong": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="512² only (CI smoke run)")
    parser.add_argument("--repeat", type=int, default=5, help="repeats per contender")
    parser.add_argument(
        "--blas-threads",
        default="1",
        help="BLAS threads (OPENBLAS_NUM_THREADS etc., set before numpy loads); default 1",
    )
    parser.add_argument(
        "--max-direct-seconds",
        type=float,
        default=2.0,
        help="do not repeat the unsplit direct sum above this",
    )
    args = parser.parse_args()
    blas = os.environ["OPENBLAS_NUM_THREADS"]
    print(machine_line(machine_info(None)) + f", BLAS threads {blas}")
    sizes = (512,) if args.quick else SIZES
    started = time.perf_counter()
    names = [
        "fc auto",
        "fc sepconvolve",
        "fc fft",
        "fc oa",
        "fc direct",
        "scipy.signal",
        "scipy.ndimage",
    ]
    print(
        f"separable {TAPS}x{TAPS} Gaussian, mode 'same'; medians in ms; "
        "ratio = best unsplit fc method / split call"
    )
    print(f"{'case':>16} {'split':>5} " + " ".join(f"{n:>14}" for n in names) + f" {'ratio':>6}")
    results = []
    for dtype in DTYPES:
        for n in sizes:
            r = run_case(n, dtype, args)
            results.append(r)
            cells = " ".join(
                f"{r['ms'][name]:14.2f}" if r["ms"][name] is not None else f"{'-':>14}"
                for name in names
            )
            print(
                f"{f'{n}x{n} {dtype}':>16} {'yes' if r['split'] else 'no':>5} {cells} "
                f"{r['ratio']:6.2f}",
                flush=True,
            )
            for line in r["wrong"]:
                print(f"    WRONG {line}")
    wrong = sum(len(r["wrong"]) for r in results)
    print(f"cases with errors or wrong results: {wrong}")
    worst = min(results, key=lambda r: r["ratio"])
    verdict = "PASS" if worst["ratio"] >= TARGET and wrong == 0 else "FAIL"
    how = "auto" if all(r["split"] for r in results) else "sepconvolve (auto did not split)"
    print(
        f"[{verdict}] separable {TAPS}² Gaussian by {how} vs the best unsplit method: "
        f"worst {worst['ratio']:.2f}x ({worst['n']}² {worst['dtype']}), target >= "
        f"{TARGET:g}x"
    )
    would = sum(r["would"] for r in results)
    print(
        f"[{'PASS' if would == len(results) else 'FAIL'}] try_separable splits every case: "
        f"{would}/{len(results)}; fc.convolve auto split {sum(r['split'] for r in results)}"
        f"/{len(results)}"
    )
    print(
        f"total {time.perf_counter() - started:.0f} s; "
        f"load average {machine_info(None)['loadavg_start']}"
    )


if __name__ == "__main__":
    main()
