"""The cost model: one predicted-time function per method, block sizes, FFT threads.

Every heuristic of the library lives here. Times are predicted in nanoseconds from
operation counts and per-operation constants.

Constants (the ``*_NS`` names) were measured on the development machine (2-core x86-64
VM, numpy 2.4, pyfftw 0.15.1 / FFTW 3.3, 2026-11-25) with
``python benchmarks/calibrate.py``, which times
each engine on a grid of sizes and fits the constant by least squares on log-time.
Accuracy on that grid: the predicted time is within a factor 2 of the measured one for
90% of the cases (the script prints this); the choice between two methods is what
matters, and the benchmark reports the resulting regret.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._backends import FFTBackend
from ._direct import direct_macs
from ._spec import ConvSpec

# Nanoseconds per unit of work; see the module docstring for provenance.
# numpy.convolve inner loop, per multiply-add, by compute dtype kind/itemsize.
DIRECT_1D_NS = {"f4": 0.12, "f8": 0.25, "c8": 0.6, "c16": 1.1, "i8": 0.6, "O": 60.0}
# Sum of shifted slices, per multiply-add (a multiply, an add, a temporary).
DIRECT_ND_NS = {"f4": 0.9, "f8": 1.6, "c8": 3.5, "c16": 6.0, "i8": 1.8, "O": 80.0}
# Python overhead per shifted slice (one loop iteration).
DIRECT_ND_STEP_NS = 6000.0
# FFT: per point * log2(points) of a real transform (complex transforms cost 2x).
FFT_F8_NS = 0.9
FFT_F4_NS = 0.55
# Per point of padding, multiplying and copying spectra and results.
FFT_PASS_NS = 2.0
# Fixed cost of one FFT-method call (planning lookup, allocations).
FFT_CALL_NS = 40000.0

# A transform this large (points) pays for a second thread on this machine.
THREADS_MIN_POINTS = 1 << 16


def default_workers(points: int) -> int:
    """FFT threads when ``workers=None``: 1 below `THREADS_MIN_POINTS`, else all cores."""
    if points < THREADS_MIN_POINTS:
        return 1
    return os.cpu_count() or 1


def resolve_workers(workers: object, points: int) -> int:
    """Validate a ``workers=`` argument (scipy.fft's convention) and return a count."""
    if workers is None:
        return default_workers(points)
    if isinstance(workers, (bool, np.bool_)) or not isinstance(workers, (int, np.integer)):
        raise TypeError(f"workers must be an int or None; got {workers!r}")
    cpus = os.cpu_count() or 1
    if workers == 0 or workers < -cpus:
        raise ValueError(
            f"workers must be a positive thread count, or negative to count back from the "
            f"{cpus} available cores (-1 = all), or None; got {workers}"
        )
    return int(workers) if workers > 0 else cpus + 1 + int(workers)


def _dtype_key(dtype: np.dtype) -> str:
    if dtype.kind == "O":
        return "O"
    if dtype.kind in "biu":
        return "i8"
    return f"{dtype.kind}{min(dtype.itemsize, 16)}"


def direct_cost(spec: ConvSpec, dtype: np.dtype) -> float:
    """Predicted ns of the direct engine."""
    key = _dtype_key(dtype)
    macs = direct_macs(spec)
    if spec.ndim == 1:
        return DIRECT_1D_NS.get(key, 1.0) * macs
    steps = min(
        math.prod(spec.in1.shape[a] for a in spec.axes),
        math.prod(spec.in2.shape[a] for a in spec.axes),
    )
    return DIRECT_ND_NS.get(key, 2.0) * macs + DIRECT_ND_STEP_NS * steps


def _transform_ns(points: int, dtype: np.dtype) -> float:
    per = FFT_F4_NS if dtype in (np.float32, np.complex64) else FFT_F8_NS
    if dtype.kind == "c":
        per *= 2
    return per * points * math.log2(max(points, 2))


def _batch(shape: Sequence[int], axes: Sequence[int]) -> int:
    return math.prod(n for a, n in enumerate(shape) if a not in axes)


def fft_cost(spec: ConvSpec, dtype: np.dtype, lengths: Sequence[int]) -> float:
    """Predicted ns of one padded transform of each input and one inverse."""
    size = math.prod(lengths)
    b1, b2 = _batch(spec.in1.shape, spec.axes), _batch(spec.in2.shape, spec.axes)
    bout = _batch(spec.out_shape, spec.axes)
    transforms = (b1 + b2 + bout) * _transform_ns(size, dtype)
    return transforms + FFT_PASS_NS * size * (b1 + b2 + 2 * bout) + FFT_CALL_NS


def oa_cost(
    spec: ConvSpec, dtype: np.dtype, blocks: Sequence[int], lengths: Sequence[int]
) -> float:
    """Predicted ns of overlap-add with the given block sizes and transform lengths."""
    nblocks = math.prod(-(-spec.in1.shape[a] // b) for a, b in zip(spec.axes, blocks, strict=True))
    size = math.prod(lengths)
    b1, b2 = _batch(spec.in1.shape, spec.axes), _batch(spec.in2.shape, spec.axes)
    bout = _batch(spec.out_shape, spec.axes)
    blocks_work = nblocks * (b1 + bout) * (_transform_ns(size, dtype) + 3 * FFT_PASS_NS * size)
    return blocks_work + b2 * _transform_ns(size, dtype) + FFT_CALL_NS


def oa_block(n: int, m: int, backend: FFTBackend, real: bool) -> tuple[int, int]:
    """(block size, transform length) minimising the overlap-add work along one axis.

    Work per axis is ``nblocks * L * log2(L)`` with ``L = fast_len(B + m - 1)``; the
    candidates are fast lengths from ``2m`` up to the single-transform length (which
    means no blocking). Blocks must hold at least ``m - 1`` samples so that only
    neighbouring blocks overlap.
    """
    whole = backend.next_fast_len(n + m - 1, real)
    best = (whole * math.log2(max(whole, 2)), n, whole)
    target = 2 * m
    while target < n + m - 1:
        length = backend.next_fast_len(target, real)
        block = length - m + 1
        work = -(-n // block) * length * math.log2(length)
        if block >= m - 1 and work < best[0]:
            best = (work, block, length)
        target = int(target * 1.5) + 1
    return best[1], best[2]


@dataclass(frozen=True)
class OAPlan:
    """Block size and transform length per convolved axis."""

    blocks: tuple[int, ...]
    lengths: tuple[int, ...]


def oa_plan(spec: ConvSpec, backend: FFTBackend, real: bool) -> OAPlan:
    blocks, lengths = [], []
    for i, a in enumerate(spec.axes):
        # Only the last transformed axis is the halved one of a real transform.
        last_real = real and i == len(spec.axes) - 1
        block, length = oa_block(spec.in1.shape[a], spec.in2.shape[a], backend, last_real)
        blocks.append(block)
        lengths.append(length)
    return OAPlan(tuple(blocks), tuple(lengths))


def predicted_costs(
    spec: ConvSpec, dtype: np.dtype, backend: FFTBackend, *, fft_allowed: bool = True
) -> dict[str, float]:
    """Predicted ns of every method for `spec` computed in `dtype`."""
    costs = {"direct": direct_cost(spec, dtype)}
    if fft_allowed:
        real = dtype.kind != "c"
        lengths = [
            backend.next_fast_len(spec.in1.shape[a] + spec.in2.shape[a] - 1, real)
            for a in spec.axes
        ]
        costs["fft"] = fft_cost(spec, dtype, lengths)
        plan = oa_plan(spec, backend, real)
        if any(b < spec.in1.shape[a] for a, b in zip(spec.axes, plan.blocks, strict=True)):
            costs["oa"] = oa_cost(spec, dtype, plan.blocks, plan.lengths)
    return costs


def fastest(costs: dict[str, float]) -> str:
    return min(costs, key=costs.__getitem__)
