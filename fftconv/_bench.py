"""`fftconv bench`: time every method against kernel size and find the crossovers.

A small, installed benchmark (benchmarks/ is not installed): for a few signal sizes and
a range of kernel sizes it times ``fc.convolve(..., 'same')`` with each forced method and
with ``method='auto'``, and `scipy.signal.convolve` for reference, and prints a table per
signal, where the FFT methods overtake the direct sum, and how close ``auto`` came to the
fastest method. The quick grid takes a few seconds; ``--full`` the long one (minutes).
benchmarks/bench_convolve.py is the thorough benchmark behind the README's figures.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._api import convolve
from ._backends import get_backend
from ._choose import choose_method
from ._io import MissingExtra

METHODS = ("direct", "fft", "oa")
# A method predicted to take longer than this is not timed (the full grid's direct sum of
# 10**6 samples with a 65,535-tap kernel would take minutes); its cell reads "-".
SKIP_NS = 3e9
# One call slower than this is not repeated: its single time is what is reported.
REPEAT_BUDGET_S = 0.25
# auto is "within reach" of the fastest method when no slower than this ratio (timings on
# a busy machine jitter by 10-20%).
WITHIN = 1.25


@dataclass(frozen=True)
class Series:
    """One signal shape timed against a range of kernel sizes (sides, in every axis)."""

    label: str
    shape: tuple[int, ...]
    kernel_sides: tuple[int, ...]
    dtype: str = "float64"


QUICK = (
    Series("1-D, 100,000 samples", (100_000,), (3, 15, 63, 255, 1023)),
    Series("2-D, 256 x 256", (256, 256), (3, 7, 15, 31)),
)
FULL = (
    Series("1-D, 10,000 samples", (10_000,), (3, 7, 15, 31, 63, 127, 255, 511, 1023, 4095)),
    Series(
        "1-D, 1,000,000 samples",
        (1_000_000,),
        (3, 7, 15, 31, 63, 127, 255, 511, 1023, 4095, 16383, 65535),
    ),
    Series(
        "1-D, 1,000,000 samples, float32",
        (1_000_000,),
        (3, 7, 15, 31, 63, 127, 255, 511, 1023, 4095, 16383),
        "float32",
    ),
    Series("2-D, 256 x 256", (256, 256), (3, 5, 7, 11, 15, 21, 31, 63)),
    Series("2-D, 1024 x 1024", (1024, 1024), (3, 5, 7, 11, 15, 21, 31, 63, 127)),
)


@dataclass
class Row:
    """Median times (seconds) of one kernel size; None where a method was skipped."""

    side: int
    times: dict[str, float | None] = field(default_factory=dict)
    chose: str = ""
    agrees: bool = True

    def best(self) -> tuple[str, float]:
        """The fastest forced method and its time."""
        timed = {m: t for m, t in self.times.items() if m in METHODS and t is not None}
        method = min(timed, key=timed.__getitem__)
        return method, timed[method]


def _median_time(call: Callable[[], object], repeat: int) -> float:
    """One warm-up call (plans, caches), then the median of `repeat` calls; a warm-up
    slower than REPEAT_BUDGET_S is the answer by itself."""
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    if first > REPEAT_BUDGET_S:
        return first
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(series: Series, repeat: int) -> list[Row]:
    """Time every method (and auto, and scipy.signal.convolve) for each kernel size."""
    import scipy.signal

    rng = np.random.default_rng(20240611)
    x = rng.standard_normal(series.shape).astype(series.dtype)
    rows = []
    for side in series.kernel_sides:
        h = rng.standard_normal((side,) * len(series.shape)).astype(series.dtype)
        choice = choose_method(x, h, "same")
        row = Row(side, chose=choice.method)
        results = {}
        for method in (*METHODS, "auto"):
            predicted = choice.costs.get(method, 0.0) if method != "auto" else 0.0
            if predicted > SKIP_NS:
                row.times[method] = None
                continue

            def call(method: str = method, h: np.ndarray = h) -> np.ndarray:
                return convolve(x, h, "same", method=method)  # type: ignore[arg-type]

            results[method] = call()
            row.times[method] = _median_time(call, repeat)

        def reference_call(h: np.ndarray = h) -> np.ndarray:
            return scipy.signal.convolve(x, h, "same", method="auto")

        row.times["scipy"] = _median_time(reference_call, repeat)
        # The answer must be right too: every timed method against the first, within
        # SPEC.md section 4's norm-wise bound (a fast wrong answer would pass otherwise).
        eps = float(np.finfo(x.dtype).eps)
        bound = 8 * eps * math.log2(x.size + h.size) * float(np.linalg.norm(x) * np.linalg.norm(h))
        reference = next(iter(results.values()))
        row.agrees = all(float(np.max(np.abs(r - reference))) <= bound for r in results.values())
        rows.append(row)
    return rows


def crossover(rows: Sequence[Row]) -> int | None:
    """The smallest kernel side from which an FFT method (fft or oa) stays faster than
    the direct sum, or None if it never is (or direct was not timed)."""
    for i, row in enumerate(rows):
        if all(_fft_wins(r) for r in rows[i:]):
            return row.side
    return None


def _fft_wins(row: Row) -> bool:
    direct = row.times.get("direct")
    ffts = [t for m in ("fft", "oa") if (t := row.times.get(m)) is not None]
    return direct is None or (bool(ffts) and min(ffts) < direct)


def _ms(t: float | None) -> str:
    return "-" if t is None else f"{t * 1e3:.3g}"


def run(
    *,
    full: bool = False,
    repeat: int | None = None,
    plot: Path | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Run the grid, print the tables and the summary; return the exit status (0, or 1
    if a method gave a wrong answer)."""
    if plot is not None:
        _require_matplotlib()
    grid = FULL if full else QUICK
    repeat = repeat if repeat is not None else (7 if full else 5)
    out(
        f"fftconv bench ({'full' if full else 'quick'} grid): convolve, mode 'same', median of "
        f"{repeat} calls after a warm-up; FFT backend {get_backend()}, 1 thread, "
        f"{os.cpu_count()} cores"
    )
    out("times in ms; '-': not timed (predicted over 3 s)")
    results: list[tuple[Series, list[Row]]] = []
    ratios, speedups, wrong = [], [], 0
    for series in grid:
        rows = measure(series, repeat)
        results.append((series, rows))
        out("")
        out(f"{series.label} ({series.dtype}); kernel side in every axis")
        out(
            f"{'kernel':>7} {'direct':>9} {'fft':>9} {'oa':>9} {'auto':>9}  {'auto chose':<10} "
            f"{'scipy':>9} {'auto/best':>9}"
        )
        for row in rows:
            _, best = row.best()
            auto, scipy_t = row.times["auto"], row.times["scipy"]
            assert auto is not None and scipy_t is not None
            ratios.append(auto / best)
            speedups.append(scipy_t / auto)
            wrong += not row.agrees
            out(
                f"{row.side:>7} {_ms(row.times['direct']):>9} {_ms(row.times['fft']):>9} "
                f"{_ms(row.times['oa']):>9} {_ms(auto):>9}  {row.chose:<10} {_ms(scipy_t):>9} "
                f"{auto / best:>9.2f}" + ("" if row.agrees else "  WRONG RESULT")
            )
        side = crossover(rows)
        out(
            "crossover: "
            + (
                f"an FFT method is faster than direct from kernel side {side} on"
                if side is not None
                else "direct was fastest for every kernel timed"
            )
        )
    within = sum(r <= WITHIN for r in ratios)
    geomean = math.exp(statistics.fmean(math.log(s) for s in speedups))
    out("")
    out(
        f"summary: auto within {WITHIN}x of the fastest method in {within} of {len(ratios)} "
        f"cases (worst {max(ratios):.2f}x); geometric-mean speedup over "
        f"scipy.signal.convolve {geomean:.2f}x; wrong results: {wrong}"
    )
    out("(a shared or busy machine makes these numbers noisy; rerun to compare)")
    if plot is not None:
        path = plot_crossover(results, plot)
        out(f"wrote the crossover figure to {path}")
    return 1 if wrong else 0


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtra(
            "figures need matplotlib, the 'plot' extra: pip install 'fftconv[plot]'"
        ) from None


def plot_crossover(results: Sequence[tuple[Series, Sequence[Row]]], path: Path) -> Path:
    """A PNG with one panel per signal: time of each method against kernel size."""
    _require_matplotlib()
    from matplotlib.figure import Figure  # no pyplot: no global backend state
    from matplotlib.ticker import NullLocator

    fig = Figure(figsize=(5.0 * len(results), 4.2), layout="constrained")
    axes = fig.subplots(1, len(results), squeeze=False)[0]
    styles: dict[str, dict[str, Any]] = {
        "direct": {"marker": "o", "color": "tab:blue"},
        "fft": {"marker": "s", "color": "tab:orange"},
        "oa": {"marker": "^", "color": "tab:green"},
        "auto": {"color": "black", "linewidth": 2.5, "alpha": 0.6},
        "scipy": {"color": "grey", "linestyle": "--"},
    }
    labels = {"scipy": "scipy.signal.convolve", "auto": "fftconv auto"}
    for ax, (series, rows) in zip(axes, results, strict=True):
        sides = [r.side for r in rows]
        for method, style in styles.items():
            points = [
                (s, t * 1e3)
                for s, r in zip(sides, rows, strict=True)
                if (t := r.times.get(method)) is not None
            ]
            if points:
                ax.plot(*zip(*points, strict=True), label=labels.get(method, method), **style)
        side = crossover(rows)
        if side is not None:
            ax.axvline(side, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sides, [str(s) for s in sides])  # the sizes timed, not powers of 10
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("kernel side (samples per axis)")
        ax.set_ylabel("time per call (ms)")
        ax.set_title(f"{series.label} ({series.dtype})", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"fftconv: method crossover, mode 'same' (backend {get_backend()})")
    fig.savefig(path, dpi=110)
    return Path(path)
