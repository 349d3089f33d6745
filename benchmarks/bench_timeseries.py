"""Issue 6's speed targets for time series, measured.

* ``fc.xcorr(x, y, maxlag=1000)`` on 10**6 samples against the full correlation sliced to
  the same lags: ``scipy.signal.correlate`` (its ``auto`` picks the FFT) and
  ``numpy.correlate(mode='full')``. Target: at least 10x faster than both.
  numpy's full correlation of 10**6 x 10**6 samples is a direct O(N**2) sum (10**12
  multiply-adds, tens of minutes here): it is timed once on 10**5 samples and scaled by
  (10**6 / 10**5)**2, printed as an extrapolation, never as a measurement. numpy's best
  way to get only the window (``numpy.correlate`` of x padded by maxlag zeros against y,
  mode 'valid': 2001 dot products of 10**6) is timed once as well.
* ``fc.autocorr`` of 10**7 samples (every lag, and maxlag=1000) against
  ``scipy.signal.correlate(x, x)`` of the demeaned series and statsmodels' ``acovf``
  and ``acf(fft=True)`` (no target; printed for context).
* The crossover of the two window engines (``--crossover``, or the quick grid always):
  direct dot products against blocked overlap-save at 1-1000 lags on 10**6 samples, each
  with its predicted cost, so the cost model's constants in ``fftconv/_timeseries.py``
  can be checked (measured / predicted should be alike for both engines).

Timings are medians of interleaved repeats (``bench_convolve.time_calls``, warm-up first);
every result is checked against the reference slice with SPEC §4's norm-wise bound.

    python benchmarks/bench_timeseries.py [--quick] [--crossover] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.signal
from bench_convolve import machine_info, machine_line, time_calls

import fftconv as fc
from fftconv import _timeseries as ts

SEED = 20261204
TARGET = 10.0


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _ms(seconds: float | None) -> str:
    return "       -" if seconds is None else f"{seconds * 1e3:8.2f}"


def _bound(x: np.ndarray, y: np.ndarray) -> float:
    """SPEC §4: 16 eps log2(size) ||x|| ||y|| (twice the unit tests' constant: both sides
    of each comparison are approximate), eps of the inputs' precision."""
    size = x.shape[-1] + y.shape[-1] - 1
    eps = np.finfo(np.result_type(x.dtype, y.dtype)).eps
    norms = float(np.linalg.norm(x.astype(np.complex128))) * float(np.linalg.norm(y))
    return 16 * float(eps) * math.log2(size) * norms


class Checker:
    """Counts results that differ from the reference by more than the bound."""

    def __init__(self) -> None:
        self.wrong: list[str] = []

    def __call__(self, label: str, got: np.ndarray, want: np.ndarray, bound: float) -> None:
        err = float(np.max(np.abs(np.asarray(got) - want)))
        if np.shape(got) != np.shape(want) or not err <= bound:
            self.wrong.append(f"{label}: error {err:.3g} > {bound:.3g}")


def _time(
    calls: dict[str, Callable[[], Any]],
    repeat: int,
    check: Callable[[str, Any], None] | None = None,
) -> dict[str, float | None]:
    timings = time_calls(
        calls,
        repeat=repeat,
        slow_repeat=max(3, repeat // 2),
        min_time=0.05,
        max_warmup={},
        on_result=check or (lambda name, result: None),
    )
    return {name: t.median for name, t in timings.items()}


def _once(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def bench_xcorr(n: int, maxlag: int, repeat: int, numpy_n: int, checker: Checker) -> bool:
    rng = np.random.default_rng(SEED)
    x = _readonly(rng.standard_normal(n))
    y = _readonly(rng.standard_normal(n))
    window = slice(n - 1 - maxlag, n + maxlag)  # lags -maxlag ... maxlag of the full result
    want = scipy.signal.correlate(x, y)[window]
    bound = _bound(x, y)
    engine = ts._choose(x, y, -maxlag, maxlag)[0]
    print(
        f"\nxcorr, maxlag={maxlag} on {n} x {n} samples, float64 (ms per call; fc picks "
        f"'{engine}'; scipy.signal.correlate picks "
        f"'{scipy.signal.choose_conv_method(x, y, mode='full')}')"
    )
    calls: dict[str, Callable[[], Any]] = {
        "fc.xcorr(maxlag)": lambda: fc.xcorr(x, y, maxlag=maxlag)[1],
        "scipy.signal.correlate full + slice": lambda: scipy.signal.correlate(x, y)[window],
        "fc.correlate full + slice": lambda: fc.correlate(x, y)[window],
    }
    times = _time(calls, repeat, lambda name, got: checker(name, got, want, bound))
    for name, t in times.items():
        print(f"  {name:<40}{_ms(t)}")
    fc_t, sp_t = times["fc.xcorr(maxlag)"], times["scipy.signal.correlate full + slice"]

    # numpy: one call each (they are slow), on a smaller N for the O(N**2) full sum.
    xs, ys = x[:numpy_n], y[:numpy_n]
    small_window = slice(numpy_n - 1 - maxlag, numpy_n + maxlag)
    np_small, got = _once(lambda: np.correlate(xs, ys, "full")[small_window])
    checker(
        "numpy.correlate full (small)",
        got,
        scipy.signal.correlate(xs, ys)[small_window],
        _bound(xs, ys),
    )
    np_full = np_small * (n / numpy_n) ** 2
    exact = numpy_n == n
    padded = np.concatenate([np.zeros(maxlag), x, np.zeros(maxlag)])
    np_valid, got = _once(lambda: np.correlate(padded, y, "valid"))
    checker("numpy.correlate valid window", got, want, bound)
    print(
        f"  {'numpy.correlate full + slice':<40}{_ms(np_full)}"
        + ("  (measured once)" if exact else f"  (EXTRAPOLATED: {np_small:.2f} s measured once on ")
        + ("" if exact else f"{numpy_n} x {numpy_n}, times ({n}/{numpy_n})**2; O(N**2) direct)")
    )
    print(f"  {'numpy.correlate of the window (valid)':<40}{_ms(np_valid)}  (measured once)")
    if fc_t is None or sp_t is None:
        print(f"[FAIL] xcorr maxlag={maxlag} on {n} samples: a call failed")
        return False
    r_sp, r_np = sp_t / fc_t, np_full / fc_t
    ok = r_sp >= TARGET and r_np >= TARGET
    print(
        f"[{'PASS' if ok else 'FAIL'}] xcorr maxlag={maxlag} on {n} samples: fc "
        f"{fc_t * 1e3:.2f} ms; {r_sp:.1f}x faster than scipy.signal.correlate + slicing, "
        f"{r_np:.0f}x than numpy.correlate full + slicing"
        + ("" if exact else " (extrapolated)")
        + f" (target >= {TARGET:.0f}x both); {np_valid / fc_t:.0f}x than numpy's window-only "
        "correlate; "
        f"{times['fc.correlate full + slice'] / fc_t:.1f}x than fc.correlate full + slicing"
    )
    return ok


def bench_autocorr(n: int, repeat: int, checker: Checker) -> None:
    from statsmodels.tsa.stattools import acf, acovf

    rng = np.random.default_rng(SEED + 1)
    x = _readonly(scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(n)) + 3.0)
    xd = x - x.mean()
    for maxlag in (None, 1000):
        lag_label = "every lag" if maxlag is None else f"maxlag={maxlag}"
        last = n - 1 if maxlag is None else maxlag
        want = acovf(x, fft=True)[: last + 1]
        calls: dict[str, Callable[[], Any]] = {
            "fc.autocorr": lambda m=maxlag: fc.autocorr(x, maxlag=m)[1],
            "scipy.signal.correlate(xd, xd)/N": lambda last=last: (
                scipy.signal.correlate(x - x.mean(), x - x.mean())[n - 1 : n + last] / n
            ),
            "statsmodels acovf(fft=True)": lambda last=last: acovf(x, fft=True)[: last + 1],
            "statsmodels acf(fft=True)": lambda last=last: acf(x, nlags=last, fft=True),
        }
        bound = _bound(xd, xd) / n

        def check(
            name: str,
            got: Any,
            want: np.ndarray = want,
            bound: float = bound,
            lag_label: str = lag_label,
        ) -> None:
            got = np.asarray(got)
            if name == "fc.autocorr":
                got = got[got.size // 2 :]
            if name.endswith("acf(fft=True)"):
                got = got * want[0]
            checker(f"autocorr {lag_label} {name}", got, want, bound)

        times = _time(calls, repeat, check)
        engine = ts._choose(xd, None, 0, last)[0]
        print(f"\nautocorr of {n} samples, {lag_label} (ms per call; fc picks '{engine}'):")
        base = times["fc.autocorr"]
        for name, t in times.items():
            ratio = "" if t is None or base is None else f"  {t / base:6.2f}x fc's time"
            print(f"  {name:<40}{_ms(t)}{ratio}")


def bench_crossover(n: int, repeat: int, lags: tuple[int, ...], checker: Checker) -> None:
    rng = np.random.default_rng(SEED + 2)
    print(
        f"\nwindow engines on {n} x {n} samples: measured ms, predicted (profile ns, only "
        "ratios matter), measured/predicted"
    )
    print(f"  {'dtype':<6}{'maxlag':>7}  {'pick':<8}{'direct':>9}{'blocked':>9}   ratios d/b")
    for dtype in (np.float64, np.float32, np.complex128, np.complex64):
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        if np.dtype(dtype).kind == "c":
            x = _readonly(x + 1j * rng.standard_normal(n).astype(dtype))
            y = _readonly(y + 1j * rng.standard_normal(n).astype(dtype))
        for maxlag in lags if dtype == np.float64 else lags[:2]:
            pick, costs, length = ts._choose(x, y, -maxlag, maxlag)
            calls: dict[str, Callable[[], Any]] = {
                "direct": lambda m=maxlag, x=x, y=y: ts._raw(x, y, -m, m, "direct"),
                "blocked": lambda m=maxlag, x=x, y=y: ts._raw(x, y, -m, m, "blocked"),
            }
            if maxlag > 64:
                del calls["direct"]
            ref = ts._raw(x, y, -maxlag, maxlag, "direct" if maxlag <= 8 else "full")
            tol = _bound(x, y)
            times = _time(calls, repeat, lambda name, got, r=ref, t=tol: checker(name, got, r, t))
            ratios = [
                f"{times[k] * 1e9 / costs[k]:.2f}" if times.get(k) else "-"
                for k in ("direct", "blocked")
            ]
            print(
                f"  {np.dtype(dtype).name:<6}{maxlag:>7}  {pick:<8}"
                f"{_ms(times.get('direct'))[1:]:>9}{_ms(times.get('blocked'))[1:]:>9}   "
                f"{' / '.join(ratios)}  (blocks of {length})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10**5 samples, fewer repeats")
    parser.add_argument("--crossover", action="store_true", help="the full engine grid")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per contender")
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (3 if quick else 7)
    print(machine_line(machine_info(None)))
    t0 = time.perf_counter()
    checker = Checker()
    bench_xcorr(
        n=10**5 if quick else 10**6,
        maxlag=1000,
        repeat=repeat,
        numpy_n=2 * 10**4 if quick else 10**5,
        checker=checker,
    )
    bench_autocorr(10**5 if quick else 10**7, max(3, repeat // 2), checker)
    grid = (1, 2, 4, 8, 16, 32, 64, 1000) if args.crossover else (2, 8, 32)
    bench_crossover(10**5 if quick else 10**6, repeat, grid, checker)
    print(f"\nwrong results: {len(checker.wrong)}")
    for line in checker.wrong:
        print(f"  {line}")
    print(f"total benchmark time: {time.perf_counter() - t0:.0f} s")
    return 0 if not checker.wrong else 1


if __name__ == "__main__":
    sys.exit(main())
