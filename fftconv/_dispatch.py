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

from . import _method, _profile
from ._backends import FFTBackend
from ._direct import direct_convolve, direct_macs
from ._exact import ExactPlan, finish_exact, plan_exact
from ._fft import fft_convolve
from ._nonfinite import add_nonfinite_products, find_nonfinite, zero_nonfinite
from ._overlap import oa_convolve
from ._spec import ConvSpec, Method


def compute_dtype(spec: ConvSpec) -> np.dtype:
    """The floating dtype FFTs run in: the result's precision, at least single.

    Integer and boolean calls use float64 (exact after rounding, see `_exact`); float16
    is computed in float32 (no FFT library transforms half precision).
    """
    base = spec.result_dtype if spec.result_dtype.kind in "fc" else np.dtype(np.float64)
    dtype = np.result_type(base, np.float32)
    if "c" in (spec.in1.dtype.kind, spec.in2.dtype.kind):
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
) -> Choice:
    """What ``method='auto'`` runs for `spec` with the FFT methods on `threads` threads.

    ``quick``: skip costing the FFT methods when the direct sum is clearly cheaper (the
    choice is the same, the costs partial). ``exact``: the integer plan, if already made.
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
        )
        found = remembered_choice(key)
        if found is not None:
            return found
    choice = _choose(spec, backend, quick, exact, threads)
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
    )


def remembered_choice(key: tuple[object, ...]) -> Choice | None:
    # A single dict lookup is atomic under the GIL; writers hold the lock.
    return _CHOICES.get(key)


def _choose(
    spec: ConvSpec, backend: FFTBackend, quick: bool, exact: ExactPlan | None, threads: int
) -> Choice:
    dtype = compute_dtype(spec)
    fft_allowed = True
    if spec.is_integer:
        exact = exact or plan_exact(spec, _transform_points(spec))
        fft_allowed = exact.fft_exact
    costs = _method.predicted_costs(
        spec, dtype, backend, fft_allowed=fft_allowed, quick=quick, threads=threads
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
    threads = _method.resolve_workers(workers)  # validated; None: one thread
    if 0 in spec.out_shape:
        return np.zeros(spec.out_shape, dtype=spec.result_dtype)
    # One exactness plan per integer call (it may scan the inputs once).
    exact = plan_exact(spec, _transform_points(spec)) if spec.is_integer else None
    if method == "auto":
        # With workers=None the choice assumes one thread, so that it does not depend on
        # the machine's load at the instant of the call (idle cores only make the FFT
        # methods faster than predicted).
        method = choose(spec, backend, quick=True, exact=exact, threads=threads).method
    if workers is None and method != "direct":
        # Only an FFT method looks for idle cores (a read of /proc/loadavg when large).
        threads = _method.default_workers(math.prod(spec.full_shape))
    return compute(spec, method, fft_engine(method, backend, threads), exact)


def fft_engine(method: str, backend: FFTBackend, threads: int) -> FFTEngine:
    """The one-shot FFT engine for `method` ('fft' or 'oa'; others give 'fft')."""
    if method == "oa":

        def overlap_add(x: np.ndarray, h: np.ndarray, spec: ConvSpec) -> np.ndarray:
            plan = _method.oa_plan(spec, backend, real=x.dtype.kind != "c")
            return oa_convolve(x, h, spec, plan.blocks, plan.lengths, backend, threads)

        return overlap_add
    return functools.partial(fft_convolve, backend=backend, workers=threads)


def compute(
    spec: ConvSpec, method: str, engine: FFTEngine, exact: ExactPlan | None = None
) -> np.ndarray:
    """The result of `spec` by 'direct' or, for any other `method`, by `engine`, with
    the non-finite and integer handling every method shares. `exact`: the integer plan
    (required when ``spec.is_integer``)."""
    # NaN and inf in the inputs give NaN/inf outputs by definition (inf * 0 = NaN):
    # that is the answer, not a numerical accident worth a warning.
    with np.errstate(invalid="ignore", over="ignore"):
        if exact is not None:
            return _run_exact(spec, exact, method, engine)
        return _run_floating(spec, method, engine)


def _run_floating(spec: ConvSpec, method: str, engine: FFTEngine) -> np.ndarray:
    dtype = compute_dtype(spec)
    x = spec.in1.astype(dtype, copy=False)
    h = spec.in2.astype(dtype, copy=False)
    found = None if method == "direct" else find_nonfinite(x, h, spec)
    if method == "direct" or (found is not None and found.fixup_macs(spec) > direct_macs(spec)):
        # Direct, asked for or as cheap as fixing up the non-finite values.
        out = direct_convolve(x, h, spec)
    elif found is not None:
        out = engine(zero_nonfinite(x), zero_nonfinite(h), spec)
        add_nonfinite_products(out, x, h, spec, found)
    else:
        out = engine(x, h, spec)
    return out.astype(spec.result_dtype, copy=False)


def _run_exact(spec: ConvSpec, plan: ExactPlan, method: str, engine: FFTEngine) -> np.ndarray:
    if method != "direct" and plan.fft_exact:
        values = engine(spec.in1.astype(np.float64), spec.in2.astype(np.float64), spec)
    else:
        # Direct: either asked for, or the only exact method at these magnitudes.
        x = spec.in1.astype(plan.accumulator)
        h = spec.in2.astype(plan.accumulator)
        values = direct_convolve(x, h, spec)
    return finish_exact(values, spec, plan)
