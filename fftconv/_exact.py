"""Exact integer and boolean results, whatever the method.

An FFT in float64 gives the exact integer result after rounding when its error is below
one half. The error of an FFT convolution of length L is at most about
``c * eps * log2(L) * ||x||_2 * ||h||_1`` (Higham, *Accuracy and Stability of Numerical
Algorithms*, §24.1: each radix-2 stage adds at most ~3.4 eps relative error in the 2-norm;
three transforms plus the product give c ~ 11; we use 16 for non-power-of-two codelets).
The norms are bounded without copying or converting the arrays, from the dtype range
first and, only when that is not enough, from one min/max scan of each input (exact in
Python integers, so ``int64`` minimum cannot slip past as it does through ``abs``).

When the bound fails, the FFT methods are replaced by the exact direct sum, accumulated
in int64, uint64 or Python integers (object dtype) as the magnitude requires. A result
outside the range of the result dtype raises `OverflowError`; it never wraps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._spec import ConvSpec

_FFT_ERROR_CONSTANT = 16
_EPS64 = float(np.finfo(np.float64).eps)


def _dtype_max_abs(dtype: np.dtype) -> int:
    if dtype.kind == "b":
        return 1
    info = np.iinfo(dtype)
    return max(-int(info.min), int(info.max))


def _scan_max_abs(a: np.ndarray) -> int:
    if a.dtype.kind == "b":
        return 1 if a.any() else 0
    return max(-int(a.min()), int(a.max()))


@dataclass(frozen=True)
class IntegerBounds:
    """Bounds on |x|, |h| and the number of products in one output."""

    max_x: int
    max_h: int
    terms: int  # at most min(#x, #h) products (per batch element) add into one output

    @property
    def max_out(self) -> int:
        return self.max_x * self.max_h * self.terms


def _bounds(spec: ConvSpec, scan: bool) -> IntegerBounds:
    nx = math.prod(spec.in1.shape[a] for a in spec.axes)
    nh = math.prod(spec.in2.shape[a] for a in spec.axes)
    measure = _scan_max_abs if scan else (lambda a: _dtype_max_abs(a.dtype))
    return IntegerBounds(measure(spec.in1), measure(spec.in2), min(nx, nh))


def _fft_is_exact(spec: ConvSpec, b: IntegerBounds, transform_points: int) -> bool:
    nx = math.prod(spec.in1.shape[a] for a in spec.axes)
    nh = math.prod(spec.in2.shape[a] for a in spec.axes)
    # ||x||_2 ||h||_1 <= max|x| sqrt(nx) * max|h| nh, and the same with roles swapped.
    norms = b.max_x * b.max_h * math.sqrt(nx * nh) * math.sqrt(min(nx, nh))
    error = _FFT_ERROR_CONSTANT * _EPS64 * math.log2(max(transform_points, 2)) * norms
    return error < 0.5 and b.max_out < 2**53


def _fits(dtype: np.dtype, low: int, high: int) -> bool:
    if dtype.kind == "b" or dtype.kind == "f":
        return True
    info = np.iinfo(dtype)
    return int(info.min) <= low and high <= int(info.max)


@dataclass(frozen=True)
class ExactPlan:
    """How to compute an integer call exactly."""

    fft_exact: bool  # a float64 FFT rounds to the exact result
    accumulator: np.dtype  # dtype of the direct sum
    may_overflow: bool  # the result dtype might not hold the result: check it


def plan_exact(spec: ConvSpec, transform_points: int) -> ExactPlan:
    """Decide, from the dtype range and if needed one scan, how to stay exact."""
    bounds = _bounds(spec, scan=False)
    out = spec.result_dtype
    if not (
        _fft_is_exact(spec, bounds, transform_points)
        and _fits(out, -bounds.max_out, bounds.max_out)
    ):
        bounds = _bounds(spec, scan=True)  # the dtype range alone was not enough
    if bounds.max_out < 2**63:
        acc: np.dtype = np.dtype(np.int64)
    elif spec.in1.dtype.kind in "bu" and spec.in2.dtype.kind in "bu" and bounds.max_out < 2**64:
        acc = np.dtype(np.uint64)
    else:
        acc = np.dtype(object)  # Python integers: exact at any magnitude
    return ExactPlan(
        fft_exact=_fft_is_exact(spec, bounds, transform_points),
        accumulator=acc,
        may_overflow=not _fits(out, -bounds.max_out, bounds.max_out),
    )


def finish_exact(values: np.ndarray, spec: ConvSpec, plan: ExactPlan) -> np.ndarray:
    """Cast exact values (integers, or floats holding integers) to the result dtype."""
    out = spec.result_dtype
    if values.dtype.kind == "f":
        values = np.rint(values)  # FFT results: exact integers after rounding
    if out.kind == "b":
        return values > 0  # counts of true products
    if plan.may_overflow and values.size:
        low, high = int(values.min()), int(values.max())
        if not _fits(out, low, high):
            raise OverflowError(_overflow_message(spec, low, high))
    return values.astype(out)


def _overflow_message(spec: ConvSpec, low: int, high: int) -> str:
    out = spec.result_dtype
    wider = next(
        (
            np.dtype(t)
            for t in (np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64)
            if np.dtype(t).kind == out.kind
            and np.dtype(t).itemsize > out.itemsize
            and _fits(np.dtype(t), low, high)
        ),
        None,
    )
    advice = (
        f"cast the inputs to {wider} (e.g. in1.astype(np.{wider})) for the exact result"
        if wider is not None
        else "no integer dtype holds it; cast the inputs to float64 for an inexact result"
    )
    info = np.iinfo(out)
    return (
        f"the exact {spec.kind} result reaches [{low}, {high}], outside the range "
        f"[{info.min}, {info.max}] of the result dtype {out} (numpy's result type of "
        f"{spec.in1.dtype} and {spec.in2.dtype}); {advice}. fftconv never wraps integers."
    )
