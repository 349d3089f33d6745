"""The cost model: one predicted-time function per method, block sizes, FFT threads.

Every heuristic of the library lives here. Times are predicted in nanoseconds from
operation counts and per-operation constants.

Constants (the ``*_NS`` names) were measured on the development machine (2-core x86-64
VM, numpy 2.4, pyfftw 0.15.1 / FFTW 3.3, one FFT thread, idle machine, 2026-11-25) by
``python benchmarks/calibrate.py``: direct constants by least squares on relative
error, FFT constants as the median over a grid of per-case ratios. Accuracy: the FFT
per-case constants spread over a factor of 1.8 on that grid (cache effects at large
sizes), so predictions are good to about a factor of 1.5; the benchmark
(benchmarks/bench_convolve.py) prints measured/predicted per method and the regret of
``auto`` that this causes.
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
# numpy.convolve, by compute dtype kind/itemsize: per multiply-add, plus per output (one
# dot-product call each), except that numpy unrolls kernels of up to 8 taps for float32
# and float64 (its small_correlate), which cost only per multiply-add.
DIRECT_1D_NS = {"f4": 0.0272, "f8": 0.0651, "c8": 0.0658, "c16": 0.122, "i8": 0.356, "O": 60.0}
DIRECT_1D_OUT_NS = 6.7
DIRECT_1D_SMALL_NS = {"f4": 0.147, "f8": 0.134}
DIRECT_1D_SMALL_TAPS = 8
# Sum of shifted slices, per multiply-add (a multiply, an add, a temporary).
DIRECT_ND_NS = {"f4": 0.275, "f8": 0.764, "c8": 0.566, "c16": 1.386, "i8": 0.535, "O": 80.0}
# Python overhead per shifted slice (one loop iteration).
DIRECT_ND_STEP_NS = 3610.0
# FFT: per point * log2(points) of one real transform (complex transforms cost 2x).
FFT_F8_NS = 0.160
FFT_F4_NS = 0.095
# Per point of padding, multiplying and copying spectra: collinear with the transform
# term on the calibration grid, so folded into it for the single FFT; overlap-add's
# extra block copies use the copy cost measured here (~0.5 ns per complex128 point).
FFT_PASS_NS = 0.5
# Fixed cost of one FFT-method call (plan lookup, aligned allocations).
FFT_CALL_NS = 20300.0
# Object-dtype (Python integer) direct sums are not calibrated: they run only when no
# fixed-width integer can hold the result, and then they are the only exact method.


def default_workers(points: int) -> int:
    """FFT threads when ``workers=None``: one.

    Measured here (2 cores, 2026-11-25): with the other core busy, 2 FFTW threads were 4x
    (66,000 points) to 17x (546 x 546) *slower* than one, because each transform waits
    for a thread that cannot run; on an idle machine they gained at most 1.6x. A library
    call cannot know whether the machine is idle, so threads are opt-in (``workers=-1``).
    """
    return 1


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
        if min(spec.in1.shape[0], spec.in2.shape[0]) <= DIRECT_1D_SMALL_TAPS and (
            key in DIRECT_1D_SMALL_NS
        ):
            return DIRECT_1D_SMALL_NS[key] * macs
        return DIRECT_1D_NS.get(key, 1.0) * macs + DIRECT_1D_OUT_NS * spec.out_shape[0]
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
    return transforms + FFT_CALL_NS


def fft_lower_bound(spec: ConvSpec, dtype: np.dtype) -> float:
    """A lower bound on any FFT method's predicted cost: the fixed call cost plus one
    forward and one inverse transform of every input sample, in blocks no shorter than
    the smallest block transform (twice the shorter input, at least `OA_MIN_LENGTH`)."""
    n = math.prod(spec.in1.shape)
    shortest = min(
        math.prod(spec.in1.shape[a] for a in spec.axes),
        math.prod(spec.in2.shape[a] for a in spec.axes),
    )
    block = max(2 * shortest, OA_MIN_LENGTH)
    return FFT_CALL_NS + 2 * _transform_ns(block, dtype) * (n / block)


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


# Overlap-add transform lengths: 2**k and 3 * 2**k only, at least this long. Measured
# here: 1024x1024 * 7x7 ran in 26 ms with 22-point (2 * 11) blocks, 8.6 ms with 64-point
# blocks and 12.4 ms as one FFT; below 32 points the per-block overhead dominates.
OA_MIN_LENGTH = 32


def _oa_lengths(lo: int, hi: int) -> list[int]:
    """Candidate block transform lengths in [lo, hi): 2**k and 3 * 2**k."""
    out = []
    length = 16
    while length < hi:
        for candidate in (length, 3 * length // 2):
            if lo <= candidate < hi:
                out.append(candidate)
        length *= 2
    return out


def oa_block(n: int, m: int, backend: FFTBackend, real: bool) -> tuple[int, int]:
    """(block size, transform length) minimising the overlap-add work along one axis.

    Work per axis is ``nblocks * L * log2(L)`` with ``B = L - m + 1``; the candidates
    are `_oa_lengths` from ``max(2m - 1, OA_MIN_LENGTH)`` up to the single-transform
    length, which means no blocking. Blocks hold at least ``m - 1`` samples (``L >=
    2m - 1``) so that only neighbouring blocks overlap.
    """
    whole = backend.next_fast_len(n + m - 1, real)
    best = (whole * math.log2(max(whole, 2)), n, whole)
    for length in _oa_lengths(max(2 * m - 1, OA_MIN_LENGTH), whole):
        block = length - m + 1
        work = -(-n // block) * length * math.log2(length)
        if work < best[0]:
            best = (work, block, length)
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
    spec: ConvSpec,
    dtype: np.dtype,
    backend: FFTBackend,
    *,
    fft_allowed: bool = True,
    quick: bool = False,
) -> dict[str, float]:
    """Predicted ns of every method for `spec` computed in `dtype`.

    With ``quick=True`` the FFT methods are not costed when the direct sum is predicted
    to be cheaper than `fft_lower_bound` (saves the block-size search on the small calls
    where it would dominate).
    """
    costs = {"direct": direct_cost(spec, dtype)}
    if quick and costs["direct"] < fft_lower_bound(spec, dtype):
        return costs
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
