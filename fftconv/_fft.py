"""The single-FFT method: pad, transform, multiply (or multiply by the conjugate), invert.

Convolution is the inverse transform of ``X * H``; correlation the inverse transform of
``X * conj(H)`` (SPEC.md §2), which a one-shot call computes as the convolution with
``conj(flip(h))`` (`_one_shot`) and a `Convolver` with the conjugated kernel spectrum.
The inverse of ``X * conj(H)`` is the *circular* correlation: lag ``k`` sits at index
``k mod L``, so the negative lags are read from the end of the circular result
(`read_window`). With ``L >= N + M - 1`` nothing wraps onto
anything else, so the result is the linear one.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import numpy as np

from ._backends import FFTBackend
from ._direct import convolution_kernel
from ._spec import ConvSpec


def fast_lengths(
    spec: ConvSpec, backend: FFTBackend, dtype: np.dtype, *, measured: bool = True
) -> list[int]:
    """Padded transform length per convolved axis for inputs computed in `dtype`: the
    next fast length >= N + M - 1. ``measured=False``: without the backend's image
    tables (per dtype), the smallest fast lengths for 2-D transforms."""
    ndim, real = len(spec.axes), dtype.kind != "c"
    table = dtype if measured else None
    return [
        backend.next_fast_len(spec.in1.shape[a] + spec.in2.shape[a] - 1, real, ndim, table)
        for a in spec.axes
    ]


def circular_offsets(spec: ConvSpec) -> tuple[int, ...]:
    """Per convolved axis, the full-result index held at circular index 0: correlation
    puts lag 0 (full index M - 1) there."""
    if spec.kind == "correlate":
        return tuple(spec.in2.shape[a] - 1 for a in spec.axes)
    return (0,) * len(spec.axes)


def read_window(
    circ: np.ndarray,
    spec: ConvSpec,
    offsets: tuple[int, ...],
    scale: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """``scale`` times the mode window of a circular result, in `out` or a new array.

    Full-result index ``i`` sits at circular index ``(i - offset) mod L``. A window that
    runs over the end of the period (negative correlation lags) is copied in two pieces
    per axis; `circ` may be a buffer the backend reuses, and the result never keeps it alive.
    """
    pieces = _window_pieces(circ.shape, spec.axes, spec.starts, spec.out_shape, offsets)
    if out is None:
        if len(pieces) == 1:  # one slice: the copy (or product) allocates the result
            src = pieces[0][1]
            return circ[src].copy() if scale == 1.0 else np.multiply(circ[src], scale)
        out = np.empty(spec.out_shape, dtype=circ.dtype)
    for dst, src in pieces:
        if scale == 1.0:
            np.copyto(out[dst], circ[src])
        else:
            np.multiply(circ[src], scale, out=out[dst])
    return out


@functools.lru_cache(maxsize=1024)  # pure; ~5 us a call, which small calls notice
def _window_pieces(
    periods: tuple[int, ...],
    axes: tuple[int, ...],
    starts: tuple[int, ...],
    lengths: tuple[int, ...],
    offsets: tuple[int, ...],
) -> list[tuple[tuple[slice, ...], tuple[slice, ...]]]:
    """(output index, circular index) pairs that copy the window out of the period."""
    pieces: list[list[tuple[slice, slice]]] = [[(slice(None), slice(None))]] * len(periods)
    for a, offset in zip(axes, offsets, strict=True):
        period, length = periods[a], lengths[a]
        start = (starts[a] - offset) % period
        head = min(length, period - start)  # samples before the wrap
        pieces[a] = [(slice(0, head), slice(start, start + head))]
        if head < length:
            pieces[a].append((slice(head, length), slice(0, length - head)))
    return [
        (tuple(d for d, _ in combo), tuple(s for _, s in combo))
        for combo in itertools.product(*pieces)
    ]


def fft_convolve(
    x: np.ndarray,
    h: np.ndarray,
    spec: ConvSpec,
    backend: FFTBackend,
    workers: int,
    *,
    spectrum: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The mode window of the linear result, by one padded transform of each input.

    `spectrum`: h's (conjugated, for a correlation) spectrum at `fast_lengths`, computed
    once by the caller (`Convolver`); `h` is then not read. `out`: where to write.
    """
    lengths = fast_lengths(spec, backend, x.dtype)
    if spectrum is None:
        return _one_shot(x, h, spec, backend, lengths, workers, out)
    circ, scale = backend.filter(x, spectrum, lengths, spec.axes, workers)
    return read_window(circ, spec, circular_offsets(spec), scale, out)


def _one_shot(
    x: np.ndarray,
    h: np.ndarray,
    spec: ConvSpec,
    backend: FFTBackend,
    lengths: Sequence[int],
    workers: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """`fft_convolve` with both spectra computed here. A correlation is the convolution
    with conj(flip(h)): its circular result holds the window in one piece, where the
    conjugated spectrum's wraps the negative lags round the end (two copies: ~4 us of a
    10^3-sample call)."""
    g = convolution_kernel(h, spec)
    circ, scale = backend.circular_convolve(x, g, lengths, spec.axes, workers)
    return read_window(circ, spec, (0,) * len(spec.axes), scale, out)


# Inputs below this many samples take `PreparedFFT` on a repeated call (`_dispatch.prepare`).
SMALL_CALL_SIZE = 1 << 16


def takes_small_path(spec: ConvSpec, dtype: np.dtype) -> bool:
    """Whether a repeated 'fft' call of `spec`'s shapes and dtypes (computed in `dtype`)
    runs `PreparedFFT`: inputs already in the compute and result dtype, small, with a
    non-empty result."""
    in1, in2 = spec.in1, spec.in2
    return (
        in1.dtype == in2.dtype == spec.result_dtype == dtype
        and 0 < in1.size < SMALL_CALL_SIZE
        and 0 not in spec.out_shape
    )


class PreparedFFT:
    """`fft_convolve` for the shapes and dtypes of one spec (inputs given per call in
    its compute dtype), with the transform lengths worked out once: on
    10^3-sample calls of ~20 us, what is left is the transforms and the copies."""

    def __init__(self, spec: ConvSpec, backend: FFTBackend, workers: int) -> None:
        self._spec = spec.without_inputs()
        self._backend = backend
        self._workers = workers
        self._lengths = tuple(fast_lengths(spec, backend, spec.in1.dtype))
        self._sizes = (spec.in1.size, spec.in2.size)
        # See `cannot_overflow`: 16 bounds the constants FFT butterflies multiply by.
        self._limit = float(np.finfo(spec.in1.dtype).max) / (16 * math.prod(self._lengths))

    def cannot_overflow(self, x: np.ndarray, h: np.ndarray) -> bool:
        """Whether x and h are finite and small enough that no value the transforms
        make can overflow: then every value is finite and no floating-point flag is
        raised, so the call needs neither `np.errstate` nor a check of its result
        (~4 us of a 20 us call).

        Every value is at most a few times ``L * |x|_1 * |h|_1`` (``L`` the transform
        size: sums of at most L products of spectra, each at most ``|x|_1 * |h|_1``),
        and ``|x|_1 <= sqrt(size * sum |x|^2)``. A non-finite sum fails the test.
        """
        n, m = self._sizes  # in Python floats, which overflow to inf without a warning
        x_norm = math.sqrt(float(np.vdot(x, x).real) * n)
        return x_norm * math.sqrt(float(np.vdot(h, h).real) * m) < self._limit

    def __call__(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        return _one_shot(x, h, self._spec, self._backend, self._lengths, self._workers)
