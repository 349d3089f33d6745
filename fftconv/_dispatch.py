"""Run a validated call: pick the compute dtype and the method, run the engine, finish.

This is the one place that decides how a call is computed; the engines only compute.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from . import _memory, _method, _profile
from ._backends import FFTBackend
from ._direct import direct_convolve, direct_macs, numpy_1d
from ._exact import ExactPlan, finish_exact, plan_exact
from ._fft import PreparedFFT, fft_convolve, takes_small_path
from ._nonfinite import add_nonfinite_products, all_finite, find_nonfinite, zero_at, zero_nonfinite
from ._overlap import oa_convolve
from ._spec import ConvSpec, Method


def compute_dtype(spec: ConvSpec) -> np.dtype:
    """The floating dtype FFTs run in: the result's precision, at least single.

    Integer and boolean calls use float64 (exact after rounding, see `_exact`); float16
    is computed in float32 (no FFT library transforms half precision).
    """
    return _compute_dtype(spec.result_dtype, spec.in1.dtype, spec.in2.dtype)


@functools.lru_cache(maxsize=256)  # np.result_type twice is ~2 us; small calls notice
def _compute_dtype(result: np.dtype, dtype1: np.dtype, dtype2: np.dtype) -> np.dtype:
    base = result if result.kind in "fc" else np.dtype(np.float64)
    dtype = np.result_type(base, np.float32)
    if "c" in (dtype1.kind, dtype2.kind):
        dtype = np.result_type(dtype, np.complex64)
    return dtype


@dataclass(frozen=True)
class Choice:
    """The method a call runs with and the predicted cost of every candidate (ns)."""

    method: Method
    costs: dict[str, float]


# Choices for floating-point calls depend only on shapes, dtypes, options, backend and
# the active constants, so they are remembered (integer calls also depend on the values).
_CHOICES: OrderedDict[tuple[object, ...], Choice] = OrderedDict()
_CHOICES_MAX = 512
_CHOICES_LOCK = threading.Lock()


def choose(
    spec: ConvSpec,
    backend: FFTBackend,
    *,
    quick: bool = False,
    exact: ExactPlan | None = None,
    threads: int = 1,
    one_shot: bool = False,
) -> Choice:
    """What ``method='auto'`` runs for `spec` with the FFT methods on `threads` threads.

    ``quick``: skip costing the FFT methods when the direct sum is clearly cheaper (the
    choice is the same, the costs partial). ``exact``: the integer plan, if already made.
    ``one_shot``: for `convolve`/`correlate` themselves, whose repeated small FFT calls
    cost less (`_method.predicted_costs`); streams and files choose without it.
    """
    key = None
    if not spec.is_integer:
        key = choice_key(
            spec.in1,
            spec.in2,
            spec.result_dtype,
            spec.kind,
            spec.mode,
            spec.axes,
            backend.name,
            quick,
            threads,
            one_shot,
        )
        found = remembered_choice(key)
        if found is not None:
            return found
    choice = _choose(spec, backend, quick, exact, threads, one_shot)
    if key is not None:
        with _CHOICES_LOCK:
            _CHOICES[key] = choice
            while len(_CHOICES) > _CHOICES_MAX:
                _CHOICES.popitem(last=False)
    return choice


def choice_key(
    in1: np.ndarray,
    in2: np.ndarray,
    result_dtype: np.dtype,
    kind: str,
    mode: str,
    axes: tuple[int, ...],
    backend: str,
    quick: bool,
    threads: int = 1,
    one_shot: bool = False,
) -> tuple[object, ...]:
    """What a floating-point choice depends on (the profile through its generation)."""
    return (
        in1.shape,
        in2.shape,
        in1.dtype,
        in2.dtype,
        result_dtype,
        kind,
        mode,
        axes,
        backend,
        _profile.generation(),
        quick,
        threads,
        one_shot,
    )


def remembered_choice(key: tuple[object, ...]) -> Choice | None:
    # A single dict lookup is atomic under the GIL; writers hold the lock.
    return _CHOICES.get(key)


def _choose(
    spec: ConvSpec,
    backend: FFTBackend,
    quick: bool,
    exact: ExactPlan | None,
    threads: int,
    one_shot: bool = False,
) -> Choice:
    dtype = compute_dtype(spec)
    fft_allowed = True
    if spec.is_integer:
        exact = exact or plan_exact(spec, _transform_points(spec))
        fft_allowed = exact.fft_exact
    costs = _method.predicted_costs(
        spec,
        dtype,
        backend,
        fft_allowed=fft_allowed,
        quick=quick,
        threads=threads,
        one_shot=one_shot,
    )
    return Choice(cast(Method, _method.fastest(costs)), costs)


def _transform_points(spec: ConvSpec) -> int:
    full = spec.full_shape
    return math.prod(full[a] for a in spec.axes)


# An FFT method bound to its backend and threads: (x, h, spec) -> the mode window, for
# finite x and h already in the compute dtype.
FFTEngine = Callable[[np.ndarray, np.ndarray, ConvSpec], np.ndarray]


def run(spec: ConvSpec, method: str, backend: FFTBackend, workers: object) -> np.ndarray:
    """The result of `spec` by `method` ('auto', 'direct', 'fft' or 'oa')."""
    if not spec.is_integer:
        return prepare(spec, method, backend, workers).run(spec)
    threads = _method.resolve_workers(workers)  # validated; None: one thread
    if 0 in spec.out_shape:
        return np.zeros(spec.out_shape, dtype=spec.result_dtype)
    # One exactness plan per integer call (it may scan the inputs once).
    exact = plan_exact(spec, _transform_points(spec))
    costs = None
    if method == "auto":
        choice = choose(spec, backend, quick=True, exact=exact, threads=threads)
        method, costs = choice.method, choice.costs
    if _memory.worth_checking(spec):  # before allocating: MemoryError, or a method that fits
        # An FFT that would not be exact runs the direct sum in the accumulator dtype.
        checked = method if exact.fft_exact else "direct"
        accumulator = exact.accumulator if checked == "direct" else None
        checked, _ = _memory.check(
            spec, checked, backend, compute_dtype(spec), accumulator=accumulator, costs=costs
        )
        method = checked if exact.fft_exact else method
    return compute(spec, method, fft_engine(method, backend, threads), exact)


@dataclass(frozen=True)
class Prepared:
    """A floating-point call with everything that depends only on its shapes, dtypes and
    options worked out: the method ('auto' resolved), backend and threads. `_api` keeps
    one per key of such options, so that a repeated call skips validation and the method
    choice (tens of microseconds, most of a small call's time).

    ``spec`` holds placeholders, not the first call's arrays (`ConvSpec.without_inputs`).
    """

    spec: ConvSpec
    method: str
    backend: FFTBackend
    threads: int
    # The commonest small call: 'direct' on 1-D real inputs of one float dtype, by
    # numpy's loop on the inputs as they are (no conversion needed; real products give
    # the direct sum's non-finite values).
    numpy_1d: bool
    # Bytes of working memory when large enough to check before each run
    # (`_memory.CHECK_ABOVE`), else 0; and the costs 'auto' chose from (None: a method
    # was asked for), for a fallback if memory has run short since.
    working_set: int = 0
    costs: dict[str, float] | None = None
    # For 'auto' on shapes whose kernel would pay to split into 1-D passes: (the axes,
    # the dtype) to test the kernel's values with `_separable.separable_factors` before
    # running this unsplit plan (`_api` takes the split path when they are separable).
    split: tuple[tuple[int, ...], np.dtype] | None = None
    # For 'fft' on small inputs already in the compute and result dtype: the engine,
    # called straight away when the inputs cannot give a non-finite value, else the
    # general way (`_run_floating`'s layers cost ~10 us of a 30 us call at 10^3 samples).
    small_fft: PreparedFFT | None = None

    def __call__(self, in1: np.ndarray, in2: np.ndarray) -> np.ndarray:
        """The result for inputs of the prepared shapes and dtypes (native ndarrays)."""
        if self.numpy_1d:
            return self._numpy_1d(in1, in2)
        if self.small_fft is not None and self.small_fft.cannot_overflow(in1, in2):
            return self.small_fft(in1, in2)
        return self.run(self.spec.with_inputs(in1, in2))

    def _numpy_1d(self, in1: np.ndarray, in2: np.ndarray) -> np.ndarray:
        g = in2 if self.spec.kind == "convolve" else in2[::-1]
        return numpy_1d(in1, g, self.spec.mode)

    def run(self, spec: ConvSpec) -> np.ndarray:
        if 0 in spec.out_shape:
            return np.zeros(spec.out_shape, dtype=spec.result_dtype)
        method = self.method
        if self.working_set and not _memory.fits(self.working_set):
            # Memory has run short since `prepare`: another method, or MemoryError.
            method, _ = _memory.check(
                spec, method, self.backend, compute_dtype(spec), costs=self.costs
            )
        if method == "direct":
            if self.numpy_1d:
                return self._numpy_1d(spec.in1, spec.in2)
            return compute(spec, "direct", None)
        return compute(spec, method, fft_engine(method, self.backend, self.threads))


_REAL = (np.dtype(np.float32), np.dtype(np.float64))


def prepare(spec: ConvSpec, method: str, backend: FFTBackend, workers: object) -> Prepared:
    """How a floating-point `spec` is computed by `method` (validated: `workers`)."""
    threads = _method.resolve_workers(workers)  # validated; None: one thread
    costs = None
    if method == "auto":
        choice = choose(spec, backend, quick=True, threads=threads, one_shot=True)
        method, costs = choice.method, choice.costs
    needed = 0
    if _memory.worth_checking(spec):  # before allocating: MemoryError, or a method that fits
        method, needed = _memory.check(spec, method, backend, compute_dtype(spec), costs=costs)
    in1, in2 = spec.in1, spec.in2
    native = in1.dtype == in2.dtype == spec.result_dtype == compute_dtype(spec)
    small_fft = (
        method == "fft"
        and takes_small_path(spec, compute_dtype(spec))
        and needed < _memory.CHECK_ABOVE
    )
    return Prepared(
        spec.without_inputs(),
        method,
        backend,
        threads,
        method == "direct" and in1.ndim == 1 and native and spec.result_dtype in _REAL,
        needed if needed >= _memory.CHECK_ABOVE else 0,
        costs,
        small_fft=PreparedFFT(spec, backend, threads) if small_fft else None,
    )


def fft_engine(method: str, backend: FFTBackend, threads: int) -> FFTEngine:
    """The one-shot FFT engine for `method` ('fft' or 'oa'; others give 'fft')."""
    # Remembered: a few methods x backends x thread counts. The engine holds its
    # backend, so the backend's id is not reused while the entry exists.
    key = (method, id(backend), threads)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = _make_engine(method, backend, threads)
    return engine


_ENGINES: dict[tuple[str, int, int], FFTEngine] = {}


def _make_engine(method: str, backend: FFTBackend, threads: int) -> FFTEngine:
    if method == "oa":

        def overlap_add(x: np.ndarray, h: np.ndarray, spec: ConvSpec) -> np.ndarray:
            plan = _method.oa_plan(spec, backend, real=x.dtype.kind != "c")
            return oa_convolve(x, h, spec, plan.blocks, plan.lengths, backend, threads)

        return overlap_add
    return functools.partial(fft_convolve, backend=backend, workers=threads)


def compute(
    spec: ConvSpec,
    method: str,
    engine: FFTEngine | None,
    exact: ExactPlan | None = None,
    *,
    kernel_finite: bool | None = None,
) -> np.ndarray:
    """The result of `spec` by 'direct' or, for any other `method`, by `engine`, with
    the non-finite and integer handling every method shares. `exact`: the integer plan
    (required when ``spec.is_integer``). `kernel_finite`: whether ``spec.in2`` is all
    finite, when the caller knows; an engine that does not transform `h` (it holds the
    kernel's spectrum, made with its non-finite values zeroed) needs it given."""
    # NaN and inf in the inputs give NaN/inf outputs by definition (inf * 0 = NaN):
    # that is the answer, not a numerical accident worth a warning.
    with np.errstate(invalid="ignore", over="ignore"):
        if exact is not None:
            return _run_exact(spec, exact, method, engine)
        return _run_floating(spec, method, engine, kernel_finite)


# Inputs of at least this many samples are scanned for non-finite values before the
# transforms rather than after (see `_run_floating`). At 2**16 samples an FFT call takes
# ~1 ms on the project's machine and the scan ~30 us.
_SCAN_FIRST_SIZE = 1 << 16


def _run_floating(
    spec: ConvSpec, method: str, engine: FFTEngine | None, kernel_finite: bool | None
) -> np.ndarray:
    dtype = compute_dtype(spec)
    x = spec.in1.astype(dtype, copy=False)
    h = spec.in2.astype(dtype, copy=False)
    if method == "direct" or engine is None:
        out = direct_convolve(x, h, spec)
    else:
        if x.size >= _SCAN_FIRST_SIZE:
            # Large inputs are scanned first: the scan costs ~1% of the transforms, and
            # finding a NaN only on the result would mean computing it twice.
            found = find_nonfinite(x, h, spec)
            if found is None:
                out = engine(x, h, spec)
        else:
            # Checked on the result, not the inputs: one pass over the output instead
            # of two over the inputs (what matters on calls of tens of microseconds). A
            # transform spreads a non-finite input over every output it reaches, and a
            # non-finite term keeps a sum non-finite, so finite outputs mean finite
            # inputs (or a kernel the engine does not read: `kernel_finite`).
            out = engine(x, h, spec)
            found = None
            if kernel_finite is False or not all_finite(out):
                found = find_nonfinite(x, h, spec)
        if found is not None:
            if found.fixup_macs(spec) > direct_macs(spec):
                out = direct_convolve(x, h, spec)  # as cheap as fixing the values up
            else:
                out = engine(zero_at(x, found.x_positions), zero_nonfinite(h), spec)
                add_nonfinite_products(out, x, h, spec, found)
    return out.astype(spec.result_dtype, copy=False)


def _run_exact(
    spec: ConvSpec, plan: ExactPlan, method: str, engine: FFTEngine | None
) -> np.ndarray:
    if method != "direct" and engine is not None and plan.fft_exact:
        values = engine(spec.in1.astype(np.float64), spec.in2.astype(np.float64), spec)
    else:
        # Direct: either asked for, or the only exact method at these magnitudes.
        x = spec.in1.astype(plan.accumulator)
        h = spec.in2.astype(plan.accumulator)
        values = direct_convolve(x, h, spec)
    return finish_exact(values, spec, plan)
