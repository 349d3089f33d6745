"""Benchmark fftconv's convolve/correlate against scipy, numpy and bare FFTW transforms.

Usage::

    python benchmarks/bench_convolve.py [--quick] [--filter TEXT] [--json PATH]

For every case of a seeded grid (1-D and 2-D; float64 and float32; modes 'full' and
'same'; convolve and correlate; see `build_grid` for how the grid is sampled) this times

* ``fc.convolve`` / ``fc.correlate`` with ``method='auto'`` and each forced method
  ``'direct'``, ``'fft'`` and ``'oa'``;
* ``scipy.signal.convolve`` / ``correlate`` with ``method='auto'``, and
  ``scipy.signal.oaconvolve``;
* ``numpy.convolve`` / ``numpy.correlate`` (1-D) and ``scipy.ndimage.convolve`` /
  ``correlate`` (2-D, 'same' only);
* three bare pyfftw real transforms of the padded size (two forward, one inverse): the
  floor under fftconv's FFT path.

Then it times the first call of a new shape, planning included, for fftconv and scipy in
fresh processes, and prints one summary line per target of the issue (speedup over
scipy.signal, regret of 'auto', FFT-path efficiency, first-call cost) with PASS/FAIL.

Only the call is timed (inputs are made outside the timed region): one warm-up call, then
the median of interleaved repeats. The warm-up results are checked against scipy.signal
with a norm-wise bound (SPEC section 4), so a fast wrong answer cannot pass unnoticed.

See benchmarks/README.md for what the columns and summary lines mean.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyfftw
import scipy
import scipy.fft
import scipy.ndimage
import scipy.signal

from fftconv._backends import resolve_backend
from fftconv._method import resolve_workers

try:
    import fftconv as fc
except ImportError:  # run from a checkout where fftconv is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fftconv as fc

Op = Literal["convolve", "correlate"]
Mode = Literal["full", "same"]
Method = Literal["auto", "direct", "fft", "oa"]
Array = npt.NDArray[Any]
Call = Callable[[], Any]

SEED = 20240611
FC_METHODS: tuple[Method, ...] = ("direct", "fft", "oa")
# Timing order. scipy comes first: its first result is the reference of the check.
CONTENDERS: tuple[str, ...] = (
    "scipy_auto",
    "scipy_oa",
    "fc_auto",
    "fc_direct",
    "fc_fft",
    "fc_oa",
    "numpy",
    "ndimage",
    "bare3",
)
# Contenders that sum directly, whatever the size: skipped above --max-direct-macs.
# 2e9 multiply-adds is ~0.3 s for numpy's 1-D loop (~7e9 MAC/s here) but seconds for a
# 2-D sum, and the warm-up guard (--max-direct-seconds) catches those.
DIRECT_CONTENDERS: tuple[str, ...] = ("fc_direct", "numpy", "ndimage")
DEFAULT_MAX_DIRECT_MACS = 2e9
DEFAULT_MAX_DIRECT_SECONDS = 1.0
# scipy.signal auto is never skipped. When it would pick a direct sum predicted to take
# longer than --scipy-budget (at these multiply-add rates: numpy's 1-D loop, and
# convolve2d / the N-D sum), one call runs in a child process that is killed at the
# budget, and the budget is then reported as a lower bound ('>X').
SCIPY_DIRECT_MACS_PER_S = {1: 5e9, 2: 3e8}
DEFAULT_SCIPY_BUDGET = 5.0
# A call slower than this gets --slow-repeat repeats instead of --repeat.
SLOW_CALL_S = 0.2

# The targets.
SPEEDUP_GEOMEAN_MIN = 2.5
SPEEDUP_CASE_MIN = 1.0
REGRET_GEOMEAN_MAX = 1.10
REGRET_CASE_MAX = 1.5
EFFICIENCY_MIN = 0.85
FIRST_CALL_RATIO_MAX = 1.5
WORST_SHOWN = 3

# The grid (the "at least").
N_1D = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
M_1D = (3, 15, 63, 255, 1023, 8191, 65535)
SIDES_2D = (256, 1024, 4096)
KERNELS_2D = (3, 7, 15, 31, 63)
DTYPES = ("float64", "float32")
MODES: tuple[Mode, ...] = ("full", "same")
OPS: tuple[Op, ...] = ("convolve", "correlate")
# The (dtype, mode, op) combinations other than the base (float64, full, convolve), in
# the order the variant of successive pairs rotates through.
VARIANTS: tuple[tuple[str, Mode, Op], ...] = tuple(
    v for v in itertools.product(DTYPES, MODES, OPS) if v != ("float64", "full", "convolve")
)
# (in1 shape, in2 shape) pairs whose base case and variant make up --quick.
QUICK_PAIRS = {
    ((1_000,), (15,)),
    ((10_000,), (63,)),
    ((100_000,), (1023,)),
    ((100_000,), (65535,)),
    ((1_000_000,), (63,)),
    ((1_000_000,), (8191,)),
    ((256, 256), (3, 3)),
    ((1024, 1024), (7, 7)),
    ((1024, 1024), (31, 31)),
}


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
    def fft_shape(self) -> tuple[int, ...]:
        """The single-FFT padded shape: fftconv's transform length for N + M - 1 per axis
        (so that bare3 times the same transforms as fc's FFT path)."""
        dtype = np.dtype(self.dtype)
        return tuple(
            resolve_backend("pyfftw").next_fast_len(a + b - 1, dtype.kind != "c", self.ndim, dtype)
            for a, b in zip(self.shape1, self.shape2, strict=True)
        )

    @property
    def name(self) -> str:
        dt = np.dtype(self.dtype)
        return (
            f"{self.op[:4]} {self.mode} {dt.kind}{dt.itemsize * 8} "
            f"{_fmt_shape(self.shape1)} * {_fmt_shape(self.shape2)}"
        )

    def make_inputs(self) -> tuple[Array, Array]:
        """The case's inputs, seeded by its name: the same in any subset of the grid."""
        rng = np.random.default_rng([SEED, zlib.crc32(self.name.encode())])
        x = rng.standard_normal(self.shape1).astype(self.dtype)
        h = rng.standard_normal(self.shape2).astype(self.dtype)
        return x, h


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


def grid_pairs() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every (in1 shape, in2 shape) of the grid: 1-D with M < N, then 2-D."""
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
        ((n,), (m,)) for n in N_1D for m in M_1D if m < n
    ]
    pairs += [((n, n), (m, m)) for n in SIDES_2D for m in KERNELS_2D]
    return pairs


def build_grid() -> list[Case]:
    """The full grid; cases with ``quick=True`` form the ``--quick`` subset.

    Every pair of shapes runs as float64 convolve 'full' (the base case) plus one
    variant: the i-th pair of each dimension gets ``VARIANTS[i % 7]``, so every
    (dtype, mode, op) combination appears at several sizes in 1-D and in 2-D, at a
    sixth of the cost of the full cross product.
    """
    cases: list[Case] = []
    index: Counter[int] = Counter()
    for shape1, shape2 in grid_pairs():
        quick = (shape1, shape2) in QUICK_PAIRS
        dtype, mode, op = VARIANTS[index[len(shape1)] % len(VARIANTS)]
        index[len(shape1)] += 1
        cases.append(Case("convolve", "full", "float64", shape1, shape2, quick))
        cases.append(Case(op, mode, dtype, shape1, shape2, quick))
    return cases


def sampling_lines(cases: Sequence[Case]) -> Iterator[str]:
    """How the grid was sampled, and how often each value of each axis appears."""
    pairs = {(c.shape1, c.shape2) for c in cases}
    yield (
        f"grid: {len(pairs)} shape pairs (1-D N in {list(N_1D)}, M in {list(M_1D)}, M < N; "
        f"2-D {'/'.join(f'{n}^2' for n in SIDES_2D)} with kernels "
        f"{'/'.join(f'{m}^2' for m in KERNELS_2D)}); each pair runs as float64 convolve "
        "full plus one variant rotating through the other 7 (dtype, mode, op) combinations"
    )
    for label, key in (
        ("dtype", lambda c: c.dtype),
        ("mode", lambda c: c.mode),
        ("op", lambda c: c.op),
        ("ndim", lambda c: f"{c.ndim}-D"),
    ):
        counts = Counter(key(c) for c in cases)
        yield f"  cases per {label}: " + ", ".join(f"{k} {v}" for k, v in counts.items())


# --------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------


def contender_calls(case: Case, x: Array, h: Array, workers: int | None) -> dict[str, Call]:
    """The zero-argument call of each contender that applies to ``case``, in timing order."""
    conv = case.op == "convolve"
    mode = case.mode
    fc_fn = fc.convolve if conv else fc.correlate
    sp_fn = scipy.signal.convolve if conv else scipy.signal.correlate
    # oaconvolve only convolves; correlation is convolution with the reversed conjugate
    # (made here, outside the timed call, as scipy.signal.correlate does internally).
    h_oa = h if conv else np.ascontiguousarray(np.flip(h).conj())

    def with_scipy_workers(fn: Call) -> Call:
        if workers is None:
            return fn

        def call() -> Any:
            with scipy.fft.set_workers(workers):  # scipy's FFT reads its threads here
                return fn()

        return call

    def fc_call(method: Method) -> Call:
        return lambda: fc_fn(x, h, mode, method, workers=workers)

    calls: dict[str, Call] = {
        "scipy_auto": with_scipy_workers(lambda: sp_fn(x, h, mode=mode, method="auto")),
        "scipy_oa": with_scipy_workers(lambda: scipy.signal.oaconvolve(x, h_oa, mode=mode)),
        "fc_auto": fc_call("auto"),
    }
    for method in FC_METHODS:
        calls[f"fc_{method}"] = fc_call(method)
    if case.ndim == 1:
        np_fn = np.convolve if conv else np.correlate
        calls["numpy"] = lambda: np_fn(x, h, mode)
    # ndimage's mode='constant' output is the 'same' window only for odd kernels.
    if case.ndim > 1 and mode == "same" and all(m % 2 for m in case.shape2):
        nd_fn = scipy.ndimage.convolve if conv else scipy.ndimage.correlate
        calls["ndimage"] = lambda: nd_fn(x, h, mode="constant")
    # As many threads as fc's FFT path uses (workers=None: one), so that bare3 stays the
    # floor under fc_fft.
    calls["bare3"] = bare_transforms(case, x, h, resolve_workers(workers))
    return calls


def bare_transforms(case: Case, x: Array, h: Array, threads: int) -> Call:
    """Three bare FFTW transforms of the padded size: r2c of x, r2c of h, c2r back.

    The plans (FFTW_ESTIMATE, as fftconv's backend uses) and the aligned, zero-padded
    arrays are made here; the call only executes the three plans (no padding, no
    spectral product, no normalisation, no allocation), so it is the floor under the
    FFT path of fftconv at this size. Complex inputs get c2c transforms. The forward
    plans keep their inputs (FFTW's default), so every call transforms the same data;
    the inverse overwrites the x spectrum (FFTW's default for c2r), which the next
    call's first transform writes afresh.
    """
    shape = case.fft_shape
    axes = tuple(range(case.ndim))
    real = np.dtype(case.dtype).kind != "c"
    cdtype = np.result_type(case.dtype, np.complex64)
    spectrum = shape[:-1] + (shape[-1] // 2 + 1,) if real else shape
    xin = pyfftw.zeros_aligned(shape, case.dtype)
    hin = pyfftw.zeros_aligned(shape, case.dtype)
    xs = pyfftw.empty_aligned(spectrum, cdtype)
    hs = pyfftw.empty_aligned(spectrum, cdtype)
    out = pyfftw.empty_aligned(shape, case.dtype)
    flags = ("FFTW_ESTIMATE",)
    plans = [
        pyfftw.FFTW(a, b, axes=axes, direction=d, flags=flags, threads=threads)
        for a, b, d in ((xin, xs, "FFTW_FORWARD"), (hin, hs, "FFTW_FORWARD"))
    ]
    plans.append(
        pyfftw.FFTW(xs, out, axes=axes, direction="FFTW_BACKWARD", flags=flags, threads=threads)
    )
    # ESTIMATE planning never touches the arrays, so they are filled after it.
    xin[tuple(slice(0, n) for n in x.shape)] = x
    hin[tuple(slice(0, n) for n in h.shape)] = h

    def call() -> None:
        for plan in plans:
            plan.execute()

    return call


def skip_reason(case: Case, contender: str, max_direct_macs: float) -> str | None:
    """Why ``contender`` is not run on ``case``, or None to run it."""
    if contender in DIRECT_CONTENDERS and case.macs > max_direct_macs:
        return "too slow"
    return None


def scipy_direct_predicted(case: Case, x: Array, h: Array) -> float:
    """Predicted seconds of scipy.signal auto if it picks a direct sum, else 0."""
    if scipy.signal.choose_conv_method(x, h, mode=case.mode) != "direct":
        return 0.0
    return case.macs / SCIPY_DIRECT_MACS_PER_S[min(case.ndim, 2)]


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
    lower_bound: float | None = None  # only known to take longer than this
    single: bool = False  # one call in a child process, not repeated
    skipped: str | None = None  # why it was not timed: "too slow", "n/a", "error: ..."

    @property
    def value(self) -> float | None:
        """The median, or else the lower bound."""
        return self.median if self.median is not None else self.lower_bound


def time_calls(
    calls: dict[str, Call],
    *,
    repeat: int,
    slow_repeat: int,
    min_time: float,
    max_warmup: dict[str, float],
    on_result: Callable[[str, Any], None],
) -> dict[str, Timing]:
    """Time each zero-argument call: a warm-up, then the median of interleaved repeats.

    Each repeat runs a call ``number`` times back to back (``number`` chosen so that a
    repeat lasts at least ``min_time``) and records the mean; the median of those means
    resists the outliers of a shared, noisy machine. Repeats are interleaved round-robin
    over the calls, so a burst of load from another process hits every contender alike.
    A call slower than ``SLOW_CALL_S`` gets ``slow_repeat`` repeats (it is long enough
    to be steady), others ``repeat``. The garbage collector is off while timing.

    Each warm-up result goes to ``on_result`` (the correctness check) and is then
    dropped. A call that raises is reported as skipped with the error; a call whose
    warm-up takes longer than its ``max_warmup`` entry is not repeated ("too slow").
    """
    timings: dict[str, Timing] = {}
    plan: dict[str, tuple[int, int]] = {}  # name -> (number, repeats)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name, fn in calls.items():
            try:
                t0 = time.perf_counter()
                result = fn()
                warmup = time.perf_counter() - t0
                on_result(name, result)
                del result
                if warmup > max_warmup.get(name, math.inf):
                    timings[name] = Timing(warmup=warmup, skipped="too slow")
                    continue
                # The warm-up pays for one-time work (FFT plans, caches, first touch of
                # fresh memory), so a calibration call chooses `number` and the repeats.
                t0 = time.perf_counter()
                fn()
                single = time.perf_counter() - t0
            except Exception as exc:  # one broken path must not stop the grid
                timings[name] = Timing(skipped=f"error: {type(exc).__name__}: {exc}")
                continue
            number = max(1, math.ceil(min_time / max(single, 1e-9)))
            timings[name] = Timing(number=number, warmup=warmup)
            if single < SLOW_CALL_S:
                plan[name] = (number, repeat)
            else:
                # A slow call's calibration call is a steady-state call like any repeat:
                # it counts as the first one (saves a fifth of the grid's run time).
                timings[name].repeats.append(single)
                plan[name] = (number, min(repeat, slow_repeat) - 1)
        for r in range(repeat):
            for name, (number, repeats) in plan.items():
                if r >= repeats:
                    continue
                fn = calls[name]
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                timings[name].repeats.append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    for name in plan:
        timings[name].median = statistics.median(timings[name].repeats)
    return timings


# --------------------------------------------------------------------------
# Child processes: first calls, and scipy calls too slow to run here
# --------------------------------------------------------------------------


def _case_json(case: Case) -> dict[str, Any]:
    return dataclasses.asdict(case)


def _case_from_json(d: dict[str, Any]) -> Case:
    return Case(d["op"], d["mode"], d["dtype"], tuple(d["shape1"]), tuple(d["shape2"]), d["quick"])


def run_child(task: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run ``task`` in a fresh interpreter (this script with ``--child``); its JSON reply.

    A child killed by SIGALRM (its own budget timer) replies ``{"killed": true}``.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode == -getattr(signal, "SIGALRM", -1):
        return {"killed": True}
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    reply: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return reply


def child_main(task: dict[str, Any]) -> dict[str, Any]:
    """The work of a child process (see `run_child`)."""
    case = _case_from_json(task["case"])
    workers: int | None = task["workers"]
    if task["task"] == "scipy_once":
        x, h = case.make_inputs()
        fn = contender_calls(case, x, h, workers)["scipy_auto"]
        if hasattr(signal, "setitimer"):
            # Default SIGALRM action: the process dies, even inside a C loop.
            signal.setitimer(signal.ITIMER_REAL, task["budget"])
        t0 = time.perf_counter()
        fn()
        return {"seconds": time.perf_counter() - t0}
    if task["task"] == "first_call":
        return first_call_child(case, task["lib"], workers)
    raise ValueError(f"unknown child task {task['task']!r}")


def first_call_child(case: Case, lib: str, workers: int | None) -> dict[str, Any]:
    """In a fresh process: warm up on unrelated shapes, then time ``case`` twice.

    The warm-up (one FFT and one direct call, small shapes whose padded FFT sizes no
    benchmarked shape shares) pays for lazy imports and library start-up, so that
    ``first`` is the cost of a *new shape*: planning, twiddles, caches. ``second`` is
    the same call again (steady state); ``cold`` is the process's very first call.
    """
    small = ((3001,), (301,)) if case.ndim == 1 else ((83, 83), (9, 9))
    warm = dataclasses.replace(case, shape1=small[0], shape2=small[1])
    wx, wh = warm.make_inputs()
    x, h = case.make_inputs()

    def call(a: Array, b: Array, method: Method) -> Call:
        if lib == "fc":
            fn = fc.convolve if case.op == "convolve" else fc.correlate
            return lambda: fn(a, b, case.mode, method, workers=workers)
        sp_fn = scipy.signal.convolve if case.op == "convolve" else scipy.signal.correlate
        if workers is None:
            return lambda: sp_fn(a, b, mode=case.mode, method=method)

        def with_workers() -> Any:
            with scipy.fft.set_workers(workers):
                return sp_fn(a, b, mode=case.mode, method=method)

        return with_workers

    times = {}
    gc.disable()
    for label, fn in (
        ("cold", call(wx, wh, "fft")),
        ("warm_direct", call(wx, wh, "direct")),
        ("first", call(x, h, "auto")),
        ("second", call(x, h, "auto")),
    ):
        t0 = time.perf_counter()
        fn()
        times[label] = time.perf_counter() - t0
    return times


@dataclasses.dataclass
class FirstCall:
    """First-call times (median over fresh processes) of one case, in seconds."""

    case: Case
    runs: dict[str, list[dict[str, float]]]  # lib -> one reply per process

    def med(self, lib: str, key: str) -> float:
        return statistics.median(r[key] for r in self.runs[lib])

    @property
    def ratio(self) -> float:
        """fftconv's first call / scipy's first call."""
        return self.med("fc", "first") / self.med("scipy", "first")


def first_call_cases() -> list[Case]:
    f8 = "float64"
    return [
        # A short signal: its transforms take microseconds, FFTW's plans milliseconds.
        Case("convolve", "full", f8, (10_000,), (255,)),
        Case("convolve", "full", f8, (100_000,), (1023,), quick=True),
        Case("convolve", "full", f8, (1_000_000,), (8191,)),
        Case("convolve", "same", f8, (256, 256), (15, 15)),
        Case("convolve", "same", f8, (1024, 1024), (31, 31), quick=True),
    ]


def time_first_calls(cases: Sequence[Case], runs: int, workers: int | None) -> list[FirstCall]:
    """Each case's first call in ``runs`` fresh processes per library, interleaved."""
    out = [FirstCall(c, {"fc": [], "scipy": []}) for c in cases]
    for _ in range(runs):
        for fcall in out:
            for lib in ("fc", "scipy"):
                task = {
                    "task": "first_call",
                    "lib": lib,
                    "case": _case_json(fcall.case),
                    "workers": workers,
                }
                fcall.runs[lib].append(run_child(task, timeout=300))
    return out


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------


def check(case: Case, x: Array, h: Array, got: Array, ref: Array, *, dtype: bool) -> str | None:
    """None if ``got`` matches the scipy reference, else what is wrong.

    The bound is SPEC section 4's norm-wise one, eps * log2(size) * |x| * |h|, with a
    safety factor: FFT errors are spread evenly over the output, so a relative
    per-element test would fail on outputs near zero. ``dtype``: also require the
    reference's dtype (fftconv promises it; numpy and ndimage do not).
    """
    if got.shape != ref.shape:
        return f"shape {got.shape} != {ref.shape}"
    if dtype and got.dtype != ref.dtype:
        return f"dtype {got.dtype} != {ref.dtype}"
    eps = float(np.finfo(np.dtype(case.dtype)).eps)
    size = max(2, math.prod(a + b - 1 for a, b in zip(case.shape1, case.shape2, strict=True)))
    bound = 16 * eps * math.log2(size) * float(np.linalg.norm(x)) * float(np.linalg.norm(h))
    err = float(np.max(np.abs(got.astype(np.complex128) - ref)))
    if not err <= bound:
        return f"max error {err:.3g} > {bound:.3g}"
    return None


# --------------------------------------------------------------------------
# Running a case
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Options:
    repeat: int
    slow_repeat: int
    min_time: float
    max_direct_macs: float
    max_direct_seconds: float
    scipy_budget: float
    workers: int | None


@dataclasses.dataclass
class Result:
    """All timings of one case, plus derived ratios."""

    case: Case
    timings: dict[str, Timing]
    fc_pick: str | None
    predicted: dict[str, float]  # fc's predicted seconds per method
    problems: list[str]

    def t(self, contender: str) -> float | None:
        return self.timings[contender].median

    @property
    def scipy_is_bound(self) -> bool:
        return self.timings["scipy_auto"].lower_bound is not None

    @property
    def speedup(self) -> float | None:
        """scipy auto time (or its lower bound) / fc auto time (> 1: fftconv is faster)."""
        return _ratio(self.timings["scipy_auto"].value, self.t("fc_auto"))

    def speedup_over(self, contender: str) -> float | None:
        return _ratio(self.t(contender), self.t("fc_auto"))

    @property
    def best_forced(self) -> tuple[str, float] | None:
        ran = [(m, t) for m in FC_METHODS if (t := self.t(f"fc_{m}")) is not None]
        return min(ran, key=lambda mt: mt[1]) if ran else None

    @property
    def regret(self) -> float | None:
        """fc auto time / fastest forced fc time (1: auto picked the best)."""
        best = self.best_forced
        return None if best is None else _ratio(self.t("fc_auto"), best[1])

    @property
    def efficiency(self) -> float | None:
        """Bare three-transform time / fc's FFT path time (1: no overhead at all)."""
        return _ratio(self.t("bare3"), self.t("fc_fft"))

    def failures(self) -> list[str]:
        """The per-case targets this case misses."""
        out = []
        if self.speedup is not None and self.speedup < SPEEDUP_CASE_MIN:
            out.append(f"SPEEDUP<{SPEEDUP_CASE_MIN:g}")
        if self.regret is not None and self.regret > REGRET_CASE_MAX:
            out.append(f"REGRET>{REGRET_CASE_MAX:g}")
        if self.efficiency is not None and self.efficiency < EFFICIENCY_MIN:
            out.append(f"EFF<{EFFICIENCY_MIN:g}")
        return out


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def fc_choice(case: Case, x: Array, h: Array) -> tuple[str | None, dict[str, float]]:
    """The method fc's auto predicts to be fastest, and its predicted costs (s)."""
    try:
        choice = fc.choose_method(x, h, case.mode, kind=case.op)
    except Exception:  # informative only: never stop the grid
        return None, {}
    return str(choice.method), {str(m): float(ns) * 1e-9 for m, ns in choice.costs.items()}


def scipy_lower_bound(case: Case, opts: Options) -> Timing:
    """One scipy auto call in a child killed at the budget: a time or a lower bound."""
    task = {
        "task": "scipy_once",
        "case": _case_json(case),
        "budget": opts.scipy_budget,
        "workers": opts.workers,
    }
    try:
        reply = run_child(task, timeout=opts.scipy_budget + 120)
    except subprocess.TimeoutExpired:  # no SIGALRM on this platform
        return Timing(lower_bound=opts.scipy_budget)
    if reply.get("killed"):
        return Timing(lower_bound=opts.scipy_budget)
    seconds = float(reply["seconds"])
    return Timing(median=seconds, repeats=[seconds], number=1, single=True)


def run_case(case: Case, opts: Options) -> Result:
    x, h = case.make_inputs()
    x.flags.writeable = False  # nothing may write to its inputs
    h.flags.writeable = False
    calls = contender_calls(case, x, h, opts.workers)
    timings = {c: Timing(skipped="n/a") for c in CONTENDERS if c not in calls}
    for contender in calls:
        reason = skip_reason(case, contender, opts.max_direct_macs)
        if reason is not None:
            timings[contender] = Timing(skipped=reason)
    if scipy_direct_predicted(case, x, h) > opts.scipy_budget:
        timings["scipy_auto"] = scipy_lower_bound(case, opts)

    problems: list[str] = []
    refs: list[Array] = []

    def on_result(name: str, out: Any) -> None:
        if name == "bare3":
            return
        if not refs and name.startswith("scipy"):
            refs.append(out)
        elif refs:
            bad = check(case, x, h, out, refs[0], dtype=name.startswith("fc"))
            if bad is not None:
                problems.append(f"{name} wrong: {bad}")

    timings |= time_calls(
        {c: fn for c, fn in calls.items() if c not in timings},
        repeat=opts.repeat,
        slow_repeat=opts.slow_repeat,
        min_time=opts.min_time,
        max_warmup=dict.fromkeys(DIRECT_CONTENDERS, opts.max_direct_seconds),
        on_result=on_result,
    )
    if not refs:
        problems.append("unchecked: no scipy result")
    problems += [
        f"{c} {t.skipped}" for c, t in timings.items() if (t.skipped or "").startswith("error")
    ]
    return Result(case, timings, *fc_choice(case, x, h), problems)


# --------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------


NAME_WIDTH = 33
COLUMNS: tuple[tuple[str, str, int], ...] = (  # contender, header, width
    ("fc_auto", "fc_auto", 8),
    ("fc_direct", "fc_dir", 8),
    ("fc_fft", "fc_fft", 8),
    ("fc_oa", "fc_oa", 8),
    ("scipy_auto", "sp_auto", 8),
    ("scipy_oa", "sp_oa", 8),
    ("numpy", "numpy", 8),
    ("ndimage", "ndimage", 8),
    ("bare3", "bare3", 8),
)


def _ms(timing: Timing, width: int) -> str:
    if timing.median is not None:
        text = f"{'~' if timing.single else ''}{timing.median * 1e3:.4g}"
    elif timing.lower_bound is not None:
        text = f">{timing.lower_bound * 1e3:.4g}"
    elif timing.skipped == "too slow":
        text = "-"
    elif timing.skipped == "n/a":
        text = "n/a"
    else:
        text = "ERR"
    return f"{text:>{width}}"


def _x(value: float | None, width: int, bound: bool = False) -> str:
    text = "-" if value is None else f"{'>' if bound else ''}{value:.2f}"
    return f"{text:>{width}}"


def table_header() -> str:
    cells = [f"{'case':<{NAME_WIDTH}}"]
    cells += [f"{header:>{w}}" for _, header, w in COLUMNS]
    cells += [f"{'speedup':>7}", f"{'regret':>6}", f"{'eff':>5}", f"{'pick':>6}", f"{'best':>6}"]
    line = " ".join(cells)
    return f"{line}\n{'-' * len(line)}"


def table_row(result: Result) -> str:
    cells = [f"{result.case.name:<{NAME_WIDTH}}"]
    cells += [_ms(result.timings[name], w) for name, _, w in COLUMNS]
    best = result.best_forced
    cells += [
        _x(result.speedup, 7, result.scipy_is_bound),
        _x(result.regret, 6),
        _x(result.efficiency, 5),
        f"{result.fc_pick or '-':>6}",
        f"{best[0] if best else '-':>6}",
    ]
    flags = result.failures() + result.problems
    return " ".join(cells) + ("  !! " + "; ".join(flags) if flags else "")


def first_call_lines(first: Sequence[FirstCall], runs: int) -> Iterator[str]:
    yield (
        f"first call of a new shape, method='auto' (median of {runs} fresh processes per "
        "library; each process first made one FFT and one direct call on unrelated small "
        "shapes, so imports and start-up are paid; ms):"
    )
    header = (
        f"  {'case':<{NAME_WIDTH}} {'fc 1st':>8} {'sp 1st':>8} {'ratio':>6} "
        f"{'fc 2nd':>8} {'sp 2nd':>8} {'fc cold':>8} {'sp cold':>8}"
    )
    yield header
    for f in first:

        def ms(key: str, f: FirstCall = f) -> str:
            return " ".join(f"{f.med(lib, key) * 1e3:8.2f}" for lib in ("fc", "scipy"))

        flag = f"  !! FIRST>{FIRST_CALL_RATIO_MAX:g}" if f.ratio > FIRST_CALL_RATIO_MAX else ""
        yield (
            f"  {f.case.name:<{NAME_WIDTH}} {ms('first')} {f.ratio:6.2f} {ms('second')} "
            f"{ms('cold')}{flag}"
        )


def _geomean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _worst(pairs: list[tuple[float, Result]], *, lowest: bool, fmt: str) -> str:
    ranked = sorted(pairs, key=lambda p: p[0], reverse=not lowest)[:WORST_SHOWN]
    return "; ".join(f"{v:{fmt}} [{r.case.name}]" for v, r in ranked)


def target_lines(results: Sequence[Result], first: Sequence[FirstCall]) -> Iterator[str]:
    """One line per target of the issue, with PASS/FAIL, then its worst cases."""
    sp = [(v, r) for r in results if (v := r.speedup) is not None]
    if sp:
        gm, lo = _geomean([v for v, _ in sp]), min(v for v, _ in sp)
        below = sum(v < SPEEDUP_CASE_MIN for v, _ in sp)
        bounds = sum(r.scipy_is_bound for _, r in sp)
        missing = len(results) - len(sp)
        ok = gm >= SPEEDUP_GEOMEAN_MIN and lo >= SPEEDUP_CASE_MIN and not missing
        yield (
            f"[{_verdict(ok)}] speedup of fc auto over scipy.signal auto: geomean {gm:.2f}x "
            f"(target >= {SPEEDUP_GEOMEAN_MIN}x: {_verdict(gm >= SPEEDUP_GEOMEAN_MIN)}), "
            f"min {lo:.2f}x (target >= {SPEEDUP_CASE_MIN}x: "
            f"{_verdict(lo >= SPEEDUP_CASE_MIN)}, {below} cases below); {len(sp)} cases, "
            f"{bounds} against a lower bound of scipy's time, {missing} without a time"
        )
        yield f"       slowest vs scipy: {_worst(sp, lowest=True, fmt='.2f')}"
    else:
        yield "[FAIL] speedup of fc auto over scipy.signal auto: no cases"

    reg = [(v, r) for r in results if (v := r.regret) is not None]
    if reg:
        gm, hi = _geomean([v for v, _ in reg]), max(v for v, _ in reg)
        above = sum(v > REGRET_CASE_MAX for v, _ in reg)
        ok = gm <= REGRET_GEOMEAN_MAX and hi <= REGRET_CASE_MAX
        yield (
            f"[{_verdict(ok)}] regret of auto (auto / fastest forced fc method): geomean "
            f"{gm:.3f} (target <= {REGRET_GEOMEAN_MAX}: {_verdict(gm <= REGRET_GEOMEAN_MAX)}), "
            f"max {hi:.2f} (target <= {REGRET_CASE_MAX}: {_verdict(hi <= REGRET_CASE_MAX)}, "
            f"{above} cases above); {len(reg)} cases"
        )
        yield f"       worst regret: {_worst(reg, lowest=False, fmt='.2f')}"
    else:
        yield "[FAIL] regret of auto: no cases"

    eff = [(v, r) for r in results if (v := r.efficiency) is not None]
    if eff:
        gm, lo = _geomean([v for v, _ in eff]), min(v for v, _ in eff)
        below = sum(v < EFFICIENCY_MIN for v, _ in eff)
        picked = [v for v, r in eff if r.fc_pick == "fft"]
        gm_picked = f"{_geomean(picked):.2f} over the {len(picked)}" if picked else "- over 0"
        yield (
            f"[{_verdict(gm >= EFFICIENCY_MIN)}] FFT-path efficiency (bare3 / fc_fft): "
            f"geomean {gm:.2f} (target >= {EFFICIENCY_MIN}), min {lo:.2f} ({below} cases "
            f"below {EFFICIENCY_MIN}); {len(eff)} cases; geomean {gm_picked} cases where "
            "auto picks 'fft'"
        )
        yield f"       least efficient: {_worst(eff, lowest=True, fmt='.2f')}"
    else:
        yield "[FAIL] FFT-path efficiency: no cases"

    if first:
        ratios = [(f.ratio, f) for f in first]
        hi, at = max(ratios, key=lambda p: p[0])
        gm = _geomean([v for v, _ in ratios])
        yield (
            f"[{_verdict(hi <= FIRST_CALL_RATIO_MAX)}] first call of a new shape, fc auto / "
            f"scipy auto: max {hi:.2f}x at [{at.case.name}] (target <= "
            f"{FIRST_CALL_RATIO_MAX}x), geomean {gm:.2f}x; {len(first)} shapes"
        )
    else:
        yield "[----] first call of a new shape: not measured"


def info_lines(results: Sequence[Result]) -> Iterator[str]:
    """Informative lines: speedups over the other contenders, the cost model's accuracy."""
    for contender, label in (
        ("scipy_oa", "scipy.signal.oaconvolve"),
        ("numpy", "numpy (1-D)"),
        ("ndimage", "scipy.ndimage (2-D same)"),
    ):
        vals = [(v, r) for r in results if (v := r.speedup_over(contender)) is not None]
        if vals:
            lo, at = min(vals, key=lambda p: p[0])
            yield (
                f"speedup of fc auto over {label}: geomean {_geomean([v for v, _ in vals]):.2f}x, "
                f"min {lo:.2f}x at [{at.case.name}] ({len(vals)} cases)"
            )
    # How well fc's cost model predicts each forced method (feeds _method.py).
    for method in FC_METHODS:
        ratios = [
            (t / r.predicted[method], r)
            for r in results
            if (t := r.t(f"fc_{method}")) is not None and r.predicted.get(method, 0) > 0
        ]
        if ratios:
            low = min(ratios, key=lambda p: p[0])
            high = max(ratios, key=lambda p: p[0])
            yield (
                f"cost model, {method:<6} measured/predicted: geomean "
                f"{_geomean([v for v, _ in ratios]):.2f}, min {low[0]:.2f} at "
                f"[{low[1].case.name}], max {high[0]:.2f} at [{high[1].case.name}] "
                f"({len(ratios)} cases)"
            )
    bad = sum(1 for r in results if r.problems)
    yield f"cases with errors or wrong results: {bad}"


# --------------------------------------------------------------------------
# Machine, JSON, command line
# --------------------------------------------------------------------------


def machine_info(workers: int | None) -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pyfftw": str(pyfftw.__version__),
        "fftconv": str(getattr(fc, "__version__", "unknown")),
        "fftconv_backend": str(fc.get_backend()),
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
        "fft_shape": case.fft_shape,
        "fc_pick": result.fc_pick,
        "predicted_s": result.predicted,
        "speedup": result.speedup,
        "speedup_is_lower_bound": result.scipy_is_bound,
        "regret": result.regret,
        "efficiency": result.efficiency,
        "failures": result.failures(),
        "problems": result.problems,
        "timings": {k: dataclasses.asdict(v) for k, v in result.timings.items()},
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="run the small CI subset (< 90 s)")
    p.add_argument("--repeat", type=int, default=5, help="repeats per contender (median taken)")
    p.add_argument(
        "--slow-repeat",
        type=int,
        default=3,
        help=f"repeats for calls slower than {SLOW_CALL_S} s",
    )
    p.add_argument("--json", metavar="PATH", help="write all raw timings to PATH")
    p.add_argument(
        "--min-time", type=float, default=0.02, help="seconds each repeat lasts at least"
    )
    p.add_argument(
        "--max-direct-macs",
        type=float,
        default=DEFAULT_MAX_DIRECT_MACS,
        help="skip fc 'direct', numpy and ndimage above this many multiply-adds",
    )
    p.add_argument(
        "--max-direct-seconds",
        type=float,
        default=DEFAULT_MAX_DIRECT_SECONDS,
        help="do not repeat fc 'direct', numpy or ndimage when the warm-up takes longer",
    )
    p.add_argument(
        "--scipy-budget",
        type=float,
        default=DEFAULT_SCIPY_BUDGET,
        help="seconds after which a predicted-slow scipy direct call is cut off (lower bound)",
    )
    p.add_argument(
        "--first-call-runs",
        type=int,
        default=3,
        help="fresh processes per library and shape for the first-call test (0: skip it)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="FFT threads for fftconv, scipy and bare3 (default: library defaults, bare3 1)",
    )
    p.add_argument("--filter", default="", help="only cases whose name contains this")
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: a child process's task
    args = p.parse_args(argv)
    if args.repeat < 1 or args.slow_repeat < 1:
        p.error("--repeat and --slow-repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child_main(json.loads(args.child))))
        return 0
    opts = Options(
        repeat=args.repeat,
        slow_repeat=args.slow_repeat,
        min_time=args.min_time,
        max_direct_macs=args.max_direct_macs,
        max_direct_seconds=args.max_direct_seconds,
        scipy_budget=args.scipy_budget,
        workers=args.workers,
    )

    def selected(c: Case) -> bool:
        return (c.quick or not args.quick) and args.filter in c.name

    cases = [c for c in build_grid() if selected(c)]
    info = machine_info(args.workers)
    print(machine_line(info))
    for line in sampling_lines(cases):
        print(line)
    print(
        f"{len(cases)} cases{' (--quick subset)' if args.quick else ''}, seed {SEED}; "
        f"median of {args.repeat} interleaved repeats of >= {args.min_time * 1e3:.0f} ms "
        f"({args.slow_repeat} for calls > {SLOW_CALL_S} s); times in ms; '-' skipped "
        f"(direct > {args.max_direct_macs:.0e} multiply-adds or warm-up > "
        f"{args.max_direct_seconds:g} s); '>X' scipy cut off at its budget (a lower "
        "bound), '~X' one call of scipy in a child process; n/a not applicable"
    )
    print(table_header(), flush=True)
    start = time.perf_counter()
    results: list[Result] = []
    for case in cases:
        results.append(run_case(case, opts))
        print(table_row(results[-1]), flush=True)

    first: list[FirstCall] = []
    if args.first_call_runs > 0:
        first_cases = [c for c in first_call_cases() if selected(c)]
        first = time_first_calls(first_cases, args.first_call_runs, args.workers)
        print()
        for line in first_call_lines(first, args.first_call_runs):
            print(line)
    elapsed = time.perf_counter() - start

    print()
    summary = [*target_lines(results, first), *info_lines(results)]
    for line in summary:
        print(line)
    info["loadavg_end"] = _loadavg()
    print(f"total benchmark time: {elapsed:.0f} s; load average at the end {info['loadavg_end']}")
    if args.json:
        payload = {
            "machine": info,
            "args": vars(args),
            "seed": SEED,
            "elapsed_s": elapsed,
            "summary": summary,
            "cases": [to_json(r) for r in results],
            "first_call": [{"name": f.case.name, "ratio": f.ratio, "runs": f.runs} for f in first],
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1)
        print(f"raw timings written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
