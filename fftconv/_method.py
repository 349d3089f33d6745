"""The cost model: one predicted-time function per method, block sizes, FFT threads.

Every heuristic of the library lives here. Times are predicted in nanoseconds from
operation counts and per-operation constants. The constants come from the active
`Constants` (`fftconv._profile`): a machine profile written by `fftconv.calibrate()` when
one exists, else `BUILTIN` below.

`BUILTIN` was measured by ``fftconv.calibrate()`` (``python benchmarks/calibrate.py``
prints it) on the project's machine: 2-core AMD EPYC VM shared with other tenants, one
FFT thread, numpy 2.4.6, scipy 1.17.1, pyfftw 0.15.1, 2026-12-03. Its absolute speed
moves by up to 2-3x with the neighbours' load (this calibration caught a slow spell:
every constant is 2-4x the 2026-11-25 one); what `auto` uses is the constants' ratios,
which move far less. Direct constants are least-squares fits on relative error; the
transform table holds the measured time of one transform per
``points * log2(points)`` on a ladder of sizes, per backend, dtype and 1-D/N-D, and is
interpolated in ``log2(points)``, which captures the per-call overhead of small
transforms and the 3-6x slowdown of transforms that leave the cache. Accuracy on the
benchmark grid is printed by ``benchmarks/bench_convolve.py`` (measured/predicted per
method) together with the regret of ``auto`` that it causes.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _profile
from ._backends import BackendName, FFTBackend, resolve_backend
from ._builtin_table import BUILTIN_FFT_TABLE, BUILTIN_OA_TABLE
from ._direct import direct_macs
from ._fft import fast_lengths, takes_small_path
from ._profile import Constants
from ._spec import ConvSpec

# numpy unrolls kernels of up to 8 taps for float32/float64 (its small_correlate).
DIRECT_1D_SMALL_TAPS = 8
# Transform cost (ns per points*log2(points)) when the table has no entry for a backend.
FALLBACK_TRANSFORM_NS = 0.25

BUILTIN = Constants(
    # numpy.convolve per multiply-add, plus per output (one dot-product call each).
    direct_1d_ns={"f4": 0.0766, "f8": 0.2311, "c8": 0.2995, "c16": 0.4887, "i8": 0.9502, "O": 60.0},
    direct_1d_out_ns=25.96,
    # numpy.convolve's unrolled loop for kernels of up to 8 taps, per multiply-add.
    direct_1d_small_ns={"f4": 0.4084, "f8": 0.498},
    # Sum of shifted slices: per multiply-add, and per slice (Python loop overhead).
    direct_nd_ns={"f4": 1.0871, "f8": 2.9451, "c8": 1.9884, "c16": 5.0827, "i8": 2.1419, "O": 80.0},
    direct_nd_step_ns=16180.0,
    # Fixed cost of one FFT-method call through the public function (validation, the
    # cached plan lookup, the finiteness check of the result, output copy).
    fft_call_ns=39300.0,
    # Single FFT, per padded point beyond the transform table (input and output copies):
    # the fit's median residual is below zero here (the table's transforms, measured
    # through the same cached plans, already include the copies).
    fft_pass_ns=0.0,
    fft_table=BUILTIN_FFT_TABLE,
    oa_table=BUILTIN_OA_TABLE,
)


# The share of `fft_call_ns` that a repeated small FFT call of `convolve`/`correlate` pays
# (`_fft.PreparedFFT`): calibrate() measured the fixed cost at 12.0 us on 2026-12-07 in a
# run whose direct constants came out at 0.48-0.72 of BUILTIN's, so ~20 us of BUILTIN's
# 39.3. Checked against bench_convolve's runs at aa09d88 and 9897c60: two picks change,
# conv full f64 1,000 x 63 (direct 29.6 us -> fft 20.6 us) and conv full f32 1,000 x 255
# (direct 42-45 us -> fft 18-20 us, the worst regret of both runs).
SMALL_FFT_CALL_SHARE = 0.5

# Threads pay only on transforms at least this large (2 cores, idle second core, on
# 2026-11-25: 2 FFTW threads gained 1.4x on one 10**6-point transform to 2.1x on
# overlap-add of 10**6 samples and 1.7x on 1024² and 4096² images, nothing at 10**5).
THREAD_MIN_POINTS = 1 << 17
# Speed-up per extra thread above THREAD_MIN_POINTS (same measurements: 2 threads were
# 1.65x as fast as one, on the median). Used only for an explicit ``workers=``.
THREAD_GAIN = 0.65


def resolve_workers(workers: object) -> int:
    """Validate a ``workers=`` argument (scipy.fft's convention) and return a count.

    None means one thread. Measured here on 2026-12-03 through the whole FFT path, two
    FFTW threads were 1.1-2.7x *slower* than one at 10**5-10**6 samples and 512²-1024²
    (1e5 x 65535: 21 ms against 8; 1024² x 31²: 66 ms against 45) and at most 7% faster
    on overlap-add of 10**7 samples and 4096², although the bare transforms ran 1.8x
    faster (the OpenMP workers and the single-threaded passes between the transforms
    share the cores badly on this VM); on 2026-11-25 they had been 1.4-2.1x faster. A
    default that is right only on some days is no default: threads are opt-in.
    """
    if workers is None:
        return 1
    if isinstance(workers, (bool, np.bool_)) or not isinstance(workers, (int, np.integer)):
        raise TypeError(f"workers must be an int or None; got {workers!r}")
    cpus = os.cpu_count() or 1
    if workers == 0 or workers < -cpus:
        raise ValueError(
            f"workers must be a positive thread count, or negative to count back from the "
            f"{cpus} available cores (-1 = all), or None; got {workers}"
        )
    return int(workers) if workers > 0 else cpus + 1 + int(workers)


def thread_speedup(points: int, threads: int) -> float:
    """How much faster `threads` threads transform `points` points than one."""
    if threads <= 1 or points < THREAD_MIN_POINTS:
        return 1.0
    return 1.0 + THREAD_GAIN * (threads - 1)


def _dtype_key(dtype: np.dtype) -> str:
    if dtype.kind == "O":
        return "O"
    if dtype.kind in "biu":
        return "i8"
    return f"{dtype.kind}{min(dtype.itemsize, 16)}"


def direct_cost(spec: ConvSpec, dtype: np.dtype) -> float:
    """Predicted ns of the direct engine."""
    c = _profile.active()
    key = _dtype_key(dtype)
    macs = direct_macs(spec)
    if spec.ndim == 1:
        if min(spec.in1.shape[0], spec.in2.shape[0]) <= DIRECT_1D_SMALL_TAPS and (
            key in c.direct_1d_small_ns
        ):
            return c.direct_1d_small_ns[key] * macs
        return c.direct_1d_ns.get(key, 1.0) * macs + c.direct_1d_out_ns * spec.out_shape[0]
    steps = min(
        math.prod(spec.in1.shape[a] for a in spec.axes),
        math.prod(spec.in2.shape[a] for a in spec.axes),
    )
    return c.direct_nd_ns.get(key, 2.0) * macs + c.direct_nd_step_ns * steps


def fft_key(dtype: np.dtype, ndim: int) -> str:
    """Key of the transform table: dtype (``f4``, ``f8``, ``c8``, ``c16``) and 1-D/N-D."""
    return f"{dtype.kind}{min(dtype.itemsize, 16)}/{'1' if ndim == 1 else 'n'}"


def _per_point_log(points: int, dtype: np.dtype, backend: FFTBackend, ndim: int) -> float:
    """The table's ns per points*log2(points) at this size."""
    per = _profile.active().transform_ns(backend.name, fft_key(dtype, ndim), points)
    if per is None:
        per = FALLBACK_TRANSFORM_NS * (2 if dtype.kind == "c" else 1)
    return per


def transform_ns(
    points: int, dtype: np.dtype, backend: FFTBackend, ndim: int, threads: int = 1
) -> float:
    """Predicted ns of one transform of `points` points (`ndim` transformed axes)."""
    one = _per_point_log(points, dtype, backend, ndim) * points * math.log2(max(points, 2))
    return one / thread_speedup(points, threads)


def _batch(shape: Sequence[int], axes: Sequence[int]) -> int:
    return math.prod(n for a, n in enumerate(shape) if a not in axes)


def fft_cost(
    spec: ConvSpec,
    dtype: np.dtype,
    lengths: Sequence[int],
    backend: FFTBackend,
    threads: int = 1,
    kernel_known: bool = False,
) -> float:
    """Predicted ns of one padded transform of each input and one inverse
    (`kernel_known`: the kernel's spectrum is already computed, as in `Convolver`)."""
    size = math.prod(lengths)
    b1, b2 = _batch(spec.in1.shape, spec.axes), _batch(spec.in2.shape, spec.axes)
    bout = _batch(spec.out_shape, spec.axes)
    c = _profile.active()
    one = transform_ns(size, dtype, backend, len(spec.axes), threads)
    if kernel_known:
        b2 = 0
    return (b1 + b2 + bout) * one + c.fft_pass_ns * size * max(b1, bout) + c.fft_call_ns


def fft_lower_bound(spec: ConvSpec, dtype: np.dtype, backend: FFTBackend) -> float:
    """A lower bound on `fft_cost` and `oa_cost`: the fixed call cost plus a forward and
    an inverse transform of every input sample in blocks no shorter than the smallest
    block transform (twice the shorter input, at least `OA_MIN_LENGTH`), at the fastest
    speed the table knows. If the direct sum is cheaper than this, it is the choice."""
    n = math.prod(spec.in1.shape)
    shortest = min(
        math.prod(spec.in1.shape[a] for a in spec.axes),
        math.prod(spec.in2.shape[a] for a in spec.axes),
    )
    block = max(2 * shortest, OA_MIN_LENGTH)
    c = _profile.active()
    key = fft_key(dtype, len(spec.axes))
    transform = c.fastest("fft_table", backend.name, key)
    speeds = [2 * (FALLBACK_TRANSFORM_NS if transform is None else transform)]
    overlap_add = c.fastest("oa_table", backend.name, key)
    if overlap_add is not None:
        speeds.append(overlap_add)
    return c.fft_call_ns + min(speeds) * n * math.log2(block)


def oa_cost(
    spec: ConvSpec,
    dtype: np.dtype,
    blocks: Sequence[int],
    lengths: Sequence[int],
    backend: FFTBackend,
    threads: int = 1,
    kernel_known: bool = False,
) -> float:
    """Predicted ns of overlap-add with the given block sizes and transform lengths.

    ``nblocks * L * log2(L)`` units of block work (per batch element) at the measured
    overlap-add speed for that many points of blocks in all, which includes the
    transforms, padding, products and overlap-add passes; plus the kernel's transform.
    """
    c = _profile.active()
    nblocks = math.prod(-(-spec.in1.shape[a] // b) for a, b in zip(spec.axes, blocks, strict=True))
    size = math.prod(lengths)
    b1, b2 = _batch(spec.in1.shape, spec.axes), _batch(spec.in2.shape, spec.axes)
    bout = _batch(spec.out_shape, spec.axes)
    ndim = len(spec.axes)
    work = nblocks * size * math.log2(max(size, 2))
    speed = c.oa_ns(backend.name, fft_key(dtype, ndim), nblocks * size * max(b1, bout))
    if speed is None:  # no overlap-add measurements: two transforms per block
        speed = 2 * _per_point_log(nblocks * size, dtype, backend, ndim)
    speed /= thread_speedup(nblocks * size, threads)
    kernel = 0.0 if kernel_known else b2 * transform_ns(size, dtype, backend, ndim, threads)
    return max(b1, bout) * work * speed + kernel + c.fft_call_ns


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


def oa_block(n: int, m: int, backend: FFTBackend, real: bool, ndim: int = 1) -> tuple[int, int]:
    return _oa_block(n, m, backend.name, real, ndim)


@functools.lru_cache(maxsize=1024)  # a pure function of its arguments, ~10 us a call
def _oa_block(n: int, m: int, backend_name: BackendName, real: bool, ndim: int) -> tuple[int, int]:
    """(block size, transform length) minimising the overlap-add work along one axis.

    Work per axis is ``nblocks * L * log2(L)`` with ``B = L - m + 1``; the candidates
    are `_oa_lengths` from ``max(2m - 1, OA_MIN_LENGTH)`` up to the single-transform
    length, which means no blocking. Blocks hold at least ``m - 1`` samples (``L >=
    2m - 1``) so that only neighbouring blocks overlap.
    """
    backend = resolve_backend(backend_name)
    whole = backend.next_fast_len(n + m - 1, real, ndim)
    length = _least_work_length(n, m, whole, whole * math.log2(max(whole, 2)))
    return (n, whole) if length == whole else (length - m + 1, length)


@functools.lru_cache(maxsize=1024)  # pure; streams ask once per step
def overlap_save_length(outputs: int, m: int, longest: int) -> int:
    """Transform length for one overlap-save step of `outputs` outputs with an `m`-tap
    kernel: the candidate (`_oa_lengths`, or `longest` itself) that minimises
    ``blocks * L * log2(L)``, no longer than `longest`.

    A stream's chunk fixes how many outputs a step has, and a block-long transform can
    waste most of its last block: measured here, 64k-sample chunks with 8191 taps ran
    at 0.52-0.75x of in-memory overlap-add with 65536-point blocks (two per chunk,
    the second one 14% used); 24576-point blocks do the same chunk in 32% less work.
    """
    blocks = -(-outputs // (longest - m + 1))
    return _least_work_length(outputs, m, longest, blocks * longest * math.log2(longest))


def _least_work_length(n: int, m: int, longest: int, longest_work: float) -> int:
    """The transform length among `_oa_lengths` below `longest`, and `longest` itself
    (whose work is `longest_work`), with the least ``blocks * L * log2(L)`` for `n`
    outputs of an `m`-tap kernel, ``blocks = ceil(n / (L - m + 1))``."""
    best = (longest_work, longest)
    for length in _oa_lengths(max(2 * m - 1, OA_MIN_LENGTH), longest):
        work = -(-n // (length - m + 1)) * length * math.log2(length)
        if work < best[0]:
            best = (work, length)
    return best[1]


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
        block, length = oa_block(
            spec.in1.shape[a], spec.in2.shape[a], backend, last_real, len(spec.axes)
        )
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
    threads: int = 1,
    kernel_known: bool = False,
    one_shot: bool = False,
) -> dict[str, float]:
    """Predicted ns of every method for `spec` computed in `dtype`, the FFT methods on
    `threads` threads (the direct sum runs on one); `kernel_known`: the kernel's
    spectrum is computed once for many calls (`Convolver`), so it costs nothing per call.

    With ``quick=True`` the FFT methods are not costed when the direct sum is predicted
    to be cheaper than `fft_lower_bound` (saves the block-size search on the small calls
    where it would dominate). ``one_shot``: a call of `convolve`/`correlate`, whose
    repeated small FFT calls take `PreparedFFT` at `SMALL_FFT_CALL_SHARE` of the fixed
    cost (streams, files and `Convolver` pay all of it).
    """
    costs = {"direct": direct_cost(spec, dtype)}
    small = one_shot and takes_small_path(spec, dtype)
    saved = (1.0 - SMALL_FFT_CALL_SHARE) * _profile.active().fft_call_ns if small else 0.0
    if quick and costs["direct"] < fft_lower_bound(spec, dtype, backend) - saved:
        return costs
    if fft_allowed:
        real = dtype.kind != "c"
        # Priced at the smallest fast lengths, whose speeds the profile measured: an image
        # table pads further only where that was measured faster, not slower for its
        # extra points (pricing them moved a 512² image's 15² kernel to overlap-add, 2x
        # slower than its FFT).
        lengths = fast_lengths(spec, backend, dtype, measured=False)
        costs["fft"] = fft_cost(spec, dtype, lengths, backend, threads, kernel_known) - saved
        plan = oa_plan(spec, backend, real)
        if any(b < spec.in1.shape[a] for a, b in zip(spec.axes, plan.blocks, strict=True)):
            costs["oa"] = oa_cost(
                spec, dtype, plan.blocks, plan.lengths, backend, threads, kernel_known
            )
    return costs


def fastest(costs: dict[str, float]) -> str:
    return min(costs, key=costs.__getitem__)


# The BLAS pass of separable kernels (`_separable._blas_pass`): one 1-D convolution along
# one axis as blocks of R outputs, each a product with the R x (R + M - 1) Toeplitz matrix
# of the kernel. Constants: non-negative least squares on relative error of the pass alone
# (8²-1024² images, 3, 15 and 63 taps, both axes, every dtype; 96 cases) on the project's
# machine (2-core AMD EPYC VM, OpenBLAS 0.3.31 on one thread), 2026-12-03, under a load
# average of ~6 from other processes: like BUILTIN's, these are slow-spell figures (quiet,
# the same passes ran 3-4x faster), and what matters to `auto` is their ratio to BUILTIN's.
# The fit's measured/predicted ratios: median 1.2-1.4, range 0.7-4.5 (the load).
# Per multiply-add of the block products (R + M - 1 per output).
BLAS_PASS_MAC_NS = {"f4": 0.06, "f8": 0.15, "c8": 0.15, "c16": 0.27}
# Per output sample (the write; the ends' zero-padded copies).
BLAS_PASS_POINT_NS = {"f4": 0.2, "f8": 0.5, "c8": 0.8, "c16": 1.0}
# Per matrix product call, and per pass (the Toeplitz matrix, views, dispatch).
BLAS_PASS_MATMUL_NS = 2000.0
BLAS_PASS_CALL_NS = 50000.0
# Largest M * N * K of one product of the BLAS pass. OpenBLAS runs a product on one
# thread up to 65536 * GEMM_MULTITHREAD_THRESHOLD (4) = 262144 (interface/gemm.c) and on
# all cores above it; measured here with the load of other processes on both cores, two
# threads made a 512² float64 pass 20x slower (280 ms against 14 for two passes). The
# library computes on one thread unless asked (`resolve_workers`), so the pass keeps
# its products at or under this size.
BLAS_MAX_PRODUCT = 262144


# Outputs per block of the BLAS pass's im2col form (rows of under 16 samples), where one
# product covers all the blocks.
IM2COL_BLOCK = 32


def blas_block(m: int) -> int:
    """Outputs per block of the BLAS pass with an M-tap kernel: one ``R x (R + M - 1)``
    Toeplitz product per block costs ``R + M - 1`` multiply-adds per output, so a small
    R wastes less, until the products get too small for BLAS. Measured on 256²-1024²
    float32/float64 with 3, 15 and 63 taps along either axis (2026-12-07): R = 8 was
    the best or within 10% of it up to 15 taps, 16 at 63 taps (8 was 10-20% slower
    there, 32 up to 1.5x slower everywhere)."""
    return 8 if m < 32 else 16


def blas_pass_cost(spec: ConvSpec, dtype: np.dtype) -> float:
    """Predicted ns of `_separable._blas_pass` for the one-axis `spec` in `dtype`."""
    (axis,) = spec.axes
    m = spec.in2.shape[axis]
    length = spec.out_shape[axis]
    outputs = math.prod(spec.out_shape)
    columns = math.prod(spec.in1.shape) // max(spec.in1.shape[axis], 1)
    if columns >= 16:
        block = min(blas_block(m), max(length, 1))
        # Python-level products: per column chunk, for the inner blocks and both ends.
        per_call = max(16, BLAS_MAX_PRODUCT // (block * (block + m - 1)))
        calls = 3 * -(-columns // per_call)
    else:  # im2col: per row chunk of all the windows
        block = min(IM2COL_BLOCK, max(length, 1))
        per_call = max(1, BLAS_MAX_PRODUCT // (block * (block + m - 1)))
        calls = -(-columns * -(-length // block) // per_call)
    key = _dtype_key(dtype)
    return (
        BLAS_PASS_CALL_NS
        + BLAS_PASS_MATMUL_NS * calls
        + BLAS_PASS_POINT_NS.get(key, 1.0) * outputs
        + BLAS_PASS_MAC_NS.get(key, 0.15) * outputs * (block + m - 1)
    )
