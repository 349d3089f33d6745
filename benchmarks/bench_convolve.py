"""Benchmark fftconv's convolve/correlate against scipy.signal and numpy.

Usage::

    python benchmarks/bench_convolve.py [--quick] [--repeat N] [--json PATH]

For every case of a seeded grid (1-D and 2-D; float64 plus a few float32 and
complex128 cases; modes 'full' and 'same'; convolve and, for a subset,
correlate) this times

* ``fc.convolve`` / ``fc.correlate`` with ``method='auto'`` and each forced
  method ``'direct'``, ``'fft'`` and ``'oa'``;
* ``scipy.signal.convolve`` / ``correlate`` with ``method='auto'``;
* ``numpy.convolve`` / ``numpy.correlate`` (1-D only).

Only the call is timed (inputs are made outside the timed region): one warm-up
call, then the median of ``--repeat`` repeats, each running the call enough
times to last at least ``--min-time`` seconds and dividing.  The warm-up
results are also checked against scipy.signal with a norm-wise bound (SPEC
section 4), so a fast wrong answer cannot pass unnoticed.

See benchmarks/README.md for what the columns mean.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy
import scipy.fft
import scipy.signal

try:
    import fftconv as fc
except ImportError:  # run from a checkout where fftconv is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fftconv as fc

Op = Literal["convolve", "correlate"]
Mode = Literal["full", "same"]
Method = Literal["auto", "direct", "fft", "oa"]
MODES: tuple[Mode, ...] = ("full", "same")
Array = npt.NDArray[Any]

SEED = 20240611
FC_METHODS: tuple[Method, ...] = ("direct", "fft", "oa")
CONTENDERS: tuple[str, ...] = (
    "fc_auto",
    "fc_direct",
    "fc_fft",
    "fc_oa",
    "scipy_auto",
    "numpy",
)
# A direct method (fc 'direct', numpy) is skipped above this many
# multiply-adds: 2e9 is ~0.3 s for numpy's 1-D loop (~7e9 MAC/s here) but ~15 s
# for a 2-D sum of shifted slices (~1.4e8 MAC/s), and seven such calls per
# contender would blow the 10-minute budget of the grid.
DEFAULT_MAX_DIRECT_MACS = 2e9
# Since the MAC count alone misjudges N-D direct sums, a direct contender whose
# warm-up call takes longer than this is not repeated either.
DEFAULT_MAX_DIRECT_SECONDS = 1.0
DIRECT_CONTENDERS: tuple[str, ...] = ("fc_direct", "numpy")
# Rows are flagged when fc auto is this much slower than scipy auto (a 10%
# margin: repeated runs on a shared machine differ by that much) or when auto
# is this much slower than the best forced method.
SLOWER_FLAG = 0.9
REGRET_FLAG = 1.5


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case: the shapes, dtype, operation and mode."""

    op: Op
    mode: Mode
    dtype: str
    shape1: tuple[int, ...]
    shape2: tuple[int, ...]
    quick: bool = False

    @property
    def ndim(self) -> int:
        return len(self.shape1)

    @property
    def macs(self) -> int:
        """Multiply-adds of the direct sum over the full output (an upper bound)."""
        return math.prod(self.shape1) * math.prod(self.shape2)

    @property
    def name(self) -> str:
        dt = np.dtype(self.dtype)
        short = f"{dt.kind}{dt.itemsize * 8}"
        return (
            f"{self.op[:4]} {self.mode:<4} {short:<4} "
            f"{_fmt_shape(self.shape1)} * {_fmt_shape(self.shape2)}"
        )

    def make_inputs(self) -> tuple[Array, Array]:
        """The case's inputs, seeded by its name: the same in any subset of the grid."""
        rng = np.random.default_rng([SEED, zlib.crc32(self.name.encode())])
        return _random(rng, self.shape1, self.dtype), _random(rng, self.shape2, self.dtype)


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def _random(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> Array:
    if np.dtype(dtype).kind == "c":
        z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        return z.astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def build_grid() -> list[Case]:
    """The full grid; cases with ``quick=True`` form the ``--quick`` subset."""
    cases: list[Case] = []
    f8, f4, c16 = "float64", "float32", "complex128"

    # 1-D float64 convolve: every signal length with every shorter kernel.
    quick_1d = {(10_000, 31), (100_000, 255), (100_000, 2047), (1_000_000, 8191)}
    for n in (1_000, 10_000, 100_000, 1_000_000):
        for m in (3, 31, 255, 2047, 8191):
            if m >= n:
                continue
            for mode in MODES:
                quick = (n, m) in quick_1d and mode == "full"
                cases.append(Case("convolve", mode, f8, (n,), (m,), quick))
    # One long signal outside --quick.
    for m in (31, 255, 8191):
        cases.append(Case("convolve", "full", f8, (4_000_000,), (m,)))
    # 1-D correlate subset.
    for n, m in ((10_000, 31), (100_000, 2047), (1_000_000, 255), (1_000_000, 8191)):
        for mode in MODES:
            quick = (n, m) == (100_000, 2047) and mode == "same"
            cases.append(Case("correlate", mode, f8, (n,), (m,), quick))
    # A few float32 and complex128 1-D cases.
    for dtype in (f4, c16):
        for n, m in ((10_000, 31), (100_000, 255), (1_000_000, 2047)):
            quick = (n, m) == (100_000, 255)
            cases.append(Case("convolve", "full", dtype, (n,), (m,), quick))
    cases.append(Case("correlate", "full", c16, (100_000,), (2047,)))

    # 2-D float64 convolve: images with kernels at most half their side.
    quick_2d = {(256, 3), (512, 31), (1024, 7)}
    for n in (64, 256, 512, 1024, 2048):
        for m in (3, 7, 31, 129):
            if 2 * m > n:
                continue
            for mode in MODES:
                quick = (n, m) in quick_2d and mode == "same"
                cases.append(Case("convolve", mode, f8, (n, n), (m, m), quick))
    # 2-D correlate subset (CNN-style 'same' filtering).
    for n, m in ((256, 7), (1024, 31), (2048, 3)):
        cases.append(Case("correlate", "same", f8, (n, n), (m, m), (n, m) == (256, 7)))
    # A few float32 and complex128 2-D cases.
    for dtype in (f4, c16):
        for n, m in ((512, 7), (1024, 31)):
            quick = (n, m) == (512, 7) and dtype == f4
            cases.append(Case("convolve", "same", dtype, (n, n), (m, m), quick))
    return cases


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Timing:
    """The outcome of timing one contender on one case (times in seconds)."""

    median: float | None = None
    repeats: list[float] = dataclasses.field(default_factory=list)
    number: int = 0
    warmup: float | None = None
    skipped: str | None = None  # why it was not run: "too slow", "n/a", "error: ..."


def _error(exc: Exception) -> Timing:
    return Timing(skipped=f"error: {type(exc).__name__}: {exc}")


def time_calls(
    calls: dict[str, Callable[[], Array]],
    *,
    repeat: int,
    min_time: float,
    max_warmup: dict[str, float] | None = None,
) -> tuple[dict[str, Timing], dict[str, Array]]:
    """Time each zero-argument call: a warm-up, then the median of ``repeat`` repeats.

    Each repeat runs a call ``number`` times back to back (``number`` chosen so
    that a repeat lasts at least ``min_time``) and records the mean; the median
    of those means resists the outliers of a shared, noisy machine.  Repeats
    are interleaved round-robin over the calls, so a burst of load from another
    process hits every contender alike and the ratios between them stay fair.
    The garbage collector is off while timing, as in :mod:`timeit`.

    Returns the timings and each warm-up call's result (for the correctness
    check).  A call that raises is reported as skipped with the error; a call
    whose warm-up takes longer than its ``max_warmup`` entry is not repeated
    and is reported as skipped ("too slow"), with the warm-up time kept.
    """
    max_warmup = max_warmup or {}
    timings: dict[str, Timing] = {}
    results: dict[str, Array] = {}
    numbers: dict[str, int] = {}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name, fn in calls.items():
            try:
                # The warm-up pays for one-time work (FFT plans, caches), so
                # it is not used to choose `number`; a calibration call is.
                t0 = time.perf_counter()
                results[name] = fn()
                warmup = time.perf_counter() - t0
                if warmup > max_warmup.get(name, math.inf):
                    timings[name] = Timing(warmup=warmup, skipped="too slow")
                    continue
                t0 = time.perf_counter()
                fn()
                single = time.perf_counter() - t0
            except Exception as exc:  # one broken path must not stop the grid
                timings[name] = _error(exc)
                continue
            numbers[name] = max(1, math.ceil(min_time / max(single, 1e-9)))
            timings[name] = Timing(number=numbers[name], warmup=warmup)
        for _ in range(repeat):
            for name, number in numbers.items():
                fn = calls[name]
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                timings[name].repeats.append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    for name in numbers:
        timings[name].median = statistics.median(timings[name].repeats)
    return timings, results


def contender_calls(
    case: Case, x: Array, h: Array, workers: int | None
) -> dict[str, Callable[[], Array]]:
    """The zero-argument call of each contender that applies to ``case``."""
    fc_fn = fc.convolve if case.op == "convolve" else fc.correlate
    sp_fn = scipy.signal.convolve if case.op == "convolve" else scipy.signal.correlate
    np_fn = np.convolve if case.op == "convolve" else np.correlate
    mode = case.mode

    def fc_call(method: Method) -> Callable[[], Array]:
        return lambda: fc_fn(x, h, mode, method, workers=workers)

    def sp_call() -> Array:
        out: Array
        if workers is None:
            out = sp_fn(x, h, mode=mode, method="auto")
        else:
            # scipy.signal's FFT path reads its thread count from scipy.fft.
            with scipy.fft.set_workers(workers):
                out = sp_fn(x, h, mode=mode, method="auto")
        return out

    calls: dict[str, Callable[[], Array]] = {"fc_auto": fc_call("auto")}
    for method in FC_METHODS:
        calls[f"fc_{method}"] = fc_call(method)
    calls["scipy_auto"] = sp_call
    if case.ndim == 1:
        calls["numpy"] = lambda: np_fn(x, h, mode)
    return calls


def skip_reason(case: Case, contender: str, max_direct_macs: float) -> str | None:
    """Why ``contender`` is not run on ``case``, or None to run it."""
    if contender == "numpy" and case.ndim != 1:
        return "n/a"
    if contender in DIRECT_CONTENDERS and case.macs > max_direct_macs:
        return "too slow"
    return None


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------


def check(case: Case, x: Array, h: Array, got: Array, ref: Array) -> str | None:
    """None if ``got`` matches the scipy reference, else what is wrong.

    The bound is SPEC section 4's norm-wise one, eps * log2(size) * |x| * |h|,
    with a safety factor: FFT errors are spread evenly over the output, so a
    relative per-element test would fail on outputs near zero.
    """
    if got.shape != ref.shape:
        return f"shape {got.shape} != {ref.shape}"
    if got.dtype != ref.dtype:
        return f"dtype {got.dtype} != {ref.dtype}"
    eps = float(np.finfo(np.dtype(case.dtype)).eps)
    size = max(2, math.prod(a + b - 1 for a, b in zip(case.shape1, case.shape2, strict=True)))
    bound = 16 * eps * math.log2(size) * float(np.linalg.norm(x)) * float(np.linalg.norm(h))
    err = float(np.max(np.abs(got.astype(np.complex128) - ref)))
    if not err <= bound:
        return f"max error {err:.3g} > {bound:.3g}"
    return None


# --------------------------------------------------------------------------
# Running and printing
# --------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    """All timings of one case, plus derived ratios."""

    case: Case
    timings: dict[str, Timing]
    fc_pick: str | None
    predicted: dict[str, float]  # fc's predicted seconds per method
    problems: list[str]

    def t(self, contender: str) -> float | None:
        timing = self.timings.get(contender)
        return None if timing is None else timing.median

    @property
    def speedup(self) -> float | None:
        """scipy auto time / fc auto time (> 1: fftconv is faster)."""
        return _ratio(self.t("scipy_auto"), self.t("fc_auto"))

    @property
    def speedup_numpy(self) -> float | None:
        return _ratio(self.t("numpy"), self.t("fc_auto"))

    @property
    def best_forced(self) -> tuple[str, float] | None:
        forced = [(m, self.t(f"fc_{m}")) for m in FC_METHODS]
        ran = [(m, t) for m, t in forced if t is not None]
        return min(ran, key=lambda mt: mt[1]) if ran else None

    @property
    def regret(self) -> float | None:
        """fc auto time / fastest forced fc time (1: auto picked the best)."""
        best = self.best_forced
        return None if best is None else _ratio(self.t("fc_auto"), best[1])


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fc_choice(case: Case, x: Array, h: Array) -> tuple[str | None, dict[str, float]]:
    """The method fc's auto predicts to be fastest, and its predicted costs (s).

    Uses ``fc.choose_method`` (method and per-method costs in ns) and falls
    back to the scipy-compatible ``fc.choose_conv_method`` (method only).
    """
    try:
        choose = getattr(fc, "choose_method", None)
        if choose is not None:
            choice = choose(x, h, case.mode, kind=case.op)
            costs = {str(m): float(ns) * 1e-9 for m, ns in choice.costs.items()}
            return str(choice.method), costs
        choose_scipy = getattr(fc, "choose_conv_method", None)
        if choose_scipy is not None:
            return str(choose_scipy(x, h, mode=case.mode)), {}
    except Exception:  # the columns are informative only
        pass
    return None, {}


def run_case(
    case: Case,
    *,
    repeat: int,
    min_time: float,
    max_direct_macs: float,
    max_direct_seconds: float,
    workers: int | None,
) -> Result:
    x, h = case.make_inputs()
    x.flags.writeable = False  # fftconv must never write to its inputs
    h.flags.writeable = False
    calls = contender_calls(case, x, h, workers)
    skipped = {c: skip_reason(case, c, max_direct_macs) for c in CONTENDERS}
    timings, outputs = time_calls(
        {c: fn for c, fn in calls.items() if skipped[c] is None},
        repeat=repeat,
        min_time=min_time,
        max_warmup=dict.fromkeys(DIRECT_CONTENDERS, max_direct_seconds),
    )
    for contender, reason in skipped.items():
        if reason is not None:
            timings[contender] = Timing(skipped=reason)
    for contender in CONTENDERS:
        timings.setdefault(contender, Timing(skipped="n/a"))

    problems = [
        f"{c} {t.skipped}"
        for c, t in timings.items()
        if t.skipped and t.skipped.startswith("error")
    ]
    ref = outputs.get("scipy_auto")
    if ref is not None:
        for contender in ("fc_auto", *(f"fc_{m}" for m in FC_METHODS)):
            if contender in outputs:
                bad = check(case, x, h, outputs[contender], ref)
                if bad is not None:
                    problems.append(f"{contender} wrong: {bad}")
    return Result(case, timings, *fc_choice(case, x, h), problems)


NAME_WIDTH = 40
COLUMNS: tuple[tuple[str, int], ...] = (
    ("fc_auto", 9),
    ("fc_direct", 9),
    ("fc_fft", 9),
    ("fc_oa", 9),
    ("scipy_auto", 10),
    ("numpy", 9),
)


def _ms(timing: Timing, width: int) -> str:
    if timing.median is not None:
        return f"{timing.median * 1e3:{width}.3f}"
    if timing.skipped == "too slow":
        return f"{'-':>{width}}"
    if timing.skipped == "n/a":
        return f"{'n/a':>{width}}"
    return f"{'ERR':>{width}}"


def _x(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}.2f}"


def table_header() -> str:
    cells = [f"{'case':<{NAME_WIDTH}}"]
    cells += [f"{name:>{w}}" for name, w in COLUMNS]
    cells += [f"{'speedup':>7}", f"{'regret':>6}", f"{'best':>6}", f"{'pick':>6}"]
    line = " ".join(cells)
    return f"{line}\n{'-' * len(line)}"


def table_row(result: Result) -> str:
    cells = [f"{result.case.name:<{NAME_WIDTH}}"]
    cells += [_ms(result.timings[name], w) for name, w in COLUMNS]
    best = result.best_forced
    cells += [
        _x(result.speedup, 7),
        _x(result.regret, 6),
        f"{best[0] if best else '-':>6}",
        f"{result.fc_pick or '-':>6}",
    ]
    flags = []
    if result.speedup is not None and result.speedup < SLOWER_FLAG:
        flags.append("SLOWER")
    if result.regret is not None and result.regret > REGRET_FLAG:
        flags.append("REGRET")
    flags += result.problems
    return " ".join(cells) + ("  !! " + "; ".join(flags) if flags else "")


def _short(name: str) -> str:
    """A case name without its column padding, for the summary lines."""
    return " ".join(name.split())


def _geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def summary_lines(results: Sequence[Result]) -> Iterator[str]:
    def stat(label: str, pairs: list[tuple[float, Result]], worst: str) -> Iterator[str]:
        if not pairs:
            yield f"{label}: no cases"
            return
        pick = min if worst == "min" else max
        value, at = pick(pairs, key=lambda p: p[0])
        gm = _geomean([v for v, _ in pairs])
        yield (
            f"{label}: geomean {gm:.2f}x, {worst} {value:.2f}x at [{_short(at.case.name)}]"
            f" ({len(pairs)} cases)"
        )

    sp = [(r.speedup, r) for r in results if r.speedup is not None]
    npy = [(r.speedup_numpy, r) for r in results if r.speedup_numpy is not None]
    reg = [(r.regret, r) for r in results if r.regret is not None]
    yield from stat("speedup fc auto over scipy.signal auto", sp, "min")
    yield from stat("speedup fc auto over numpy (1-D)      ", npy, "min")
    yield from stat("regret of fc auto (auto / best forced)", reg, "max")
    slower = sum(1 for v, _ in sp if v < 1)
    much_slower = sum(1 for v, _ in sp if v < SLOWER_FLAG)
    regretful = sum(1 for v, _ in reg if v > REGRET_FLAG)
    bad = sum(1 for r in results if r.problems)
    yield (
        f"cases where fc auto is slower than scipy auto: {slower} "
        f"(speedup < {SLOWER_FLAG}: {much_slower}); with regret > {REGRET_FLAG}: "
        f"{regretful}; with errors or wrong results: {bad}"
    )
    # How well fc's cost model predicts each forced method (feeds _method.py).
    for method in FC_METHODS:
        ratios = [
            (t / r.predicted[method], r)
            for r in results
            if (t := r.t(f"fc_{method}")) is not None and r.predicted.get(method, 0) > 0
        ]
        if ratios:
            lo, hi = min(ratios, key=lambda p: p[0]), max(ratios, key=lambda p: p[0])
            yield (
                f"cost model, {method:<6} measured/predicted: geomean "
                f"{_geomean([v for v, _ in ratios]):.2f}, min {lo[0]:.2f} at "
                f"[{_short(lo[1].case.name)}], max {hi[0]:.2f} at [{_short(hi[1].case.name)}] "
                f"({len(ratios)} cases)"
            )


def machine_info(workers: int | None) -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    try:
        import pyfftw

        pyfftw_version = str(pyfftw.__version__)
    except ImportError:
        pyfftw_version = "missing"
    get_backend = getattr(fc, "get_backend", None)
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pyfftw": pyfftw_version,
        "fftconv": str(getattr(fc, "__version__", "unknown")),
        "fftconv_backend": str(get_backend()) if get_backend is not None else "unknown",
        "workers": "library defaults" if workers is None else workers,
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> float | None:
    """The 1-minute load average: above ~0 another process competes for the cores."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # not on Unix
        return None


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"machine: {info['cpu_count']} CPUs ({info['usable_cpus']} usable), "
        f"{info['processor']}, python {info['python']}, numpy {info['numpy']}, "
        f"scipy {info['scipy']}, pyfftw {info['pyfftw']}, fftconv {info['fftconv']} "
        f"(backend {info['fftconv_backend']}), workers: {info['workers']}, "
        f"load average {info['loadavg_start']}"
    )


def to_json(result: Result) -> dict[str, Any]:
    case = result.case
    return {
        "name": case.name,
        **dataclasses.asdict(case),
        "macs": case.macs,
        "fc_pick": result.fc_pick,
        "predicted_s": result.predicted,
        "speedup": result.speedup,
        "speedup_numpy": result.speedup_numpy,
        "regret": result.regret,
        "problems": result.problems,
        "timings": {k: dataclasses.asdict(v) for k, v in result.timings.items()},
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="run the small subset (< 60 s)")
    p.add_argument("--repeat", type=int, default=5, help="repeats per contender (median taken)")
    p.add_argument("--json", metavar="PATH", help="write all raw timings to PATH")
    p.add_argument(
        "--min-time", type=float, default=0.02, help="seconds each repeat lasts at least"
    )
    p.add_argument(
        "--max-direct-macs",
        type=float,
        default=DEFAULT_MAX_DIRECT_MACS,
        help="skip fc 'direct' and numpy above this many multiply-adds",
    )
    p.add_argument(
        "--max-direct-seconds",
        type=float,
        default=DEFAULT_MAX_DIRECT_SECONDS,
        help="do not repeat fc 'direct' or numpy when the warm-up call takes longer",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="FFT threads for fftconv and scipy (default: each library's own default)",
    )
    p.add_argument("--filter", default="", help="only cases whose name contains this")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = [
        c for c in build_grid() if (c.quick or not args.quick) and args.filter in _short(c.name)
    ]
    info = machine_info(args.workers)
    print(machine_line(info))
    print(
        f"{len(cases)} cases, seed {SEED}, median of {args.repeat} repeats of >= "
        f"{args.min_time * 1e3:.0f} ms; times in ms; '-' skipped (direct > "
        f"{args.max_direct_macs:.0e} multiply-adds or warm-up > {args.max_direct_seconds:g} s), "
        "n/a not applicable"
    )
    print(table_header(), flush=True)
    results: list[Result] = []
    start = time.perf_counter()
    for case in cases:
        result = run_case(
            case,
            repeat=args.repeat,
            min_time=args.min_time,
            max_direct_macs=args.max_direct_macs,
            max_direct_seconds=args.max_direct_seconds,
            workers=args.workers,
        )
        results.append(result)
        print(table_row(result), flush=True)
    elapsed = time.perf_counter() - start
    print()
    for line in summary_lines(results):
        print(line)
    info["loadavg_end"] = _loadavg()
    print(f"total benchmark time: {elapsed:.0f} s; load average at the end {info['loadavg_end']}")
    if args.json:
        payload = {
            "machine": info,
            "args": vars(args),
            "seed": SEED,
            "elapsed_s": elapsed,
            "cases": [to_json(r) for r in results],
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1)
        print(f"raw timings written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
