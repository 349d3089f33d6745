"""The pyfftw backend: FFTW plans with FFTW_ESTIMATE, reused per shape and thread.

Why ESTIMATE: FFTW_MEASURE planning took 1 to 160 s here for sizes from 2**14 to 10**7,
which a one-shot call must never pay. ESTIMATE plans cost about a millisecond (measured
on 2026-12-07: a real 1-D plan 1.3-3.4 ms at 1,024-10,240 points, 5.7 ms at 110,592, a
272² image 1.7 ms; the same problem again ~0.1 ms) and transform 1-D lengths within a
few percent of MEASURE plans (measured plans are opt-in: `fftconv._wisdom`). In 2-D they
transform the columns of a row-major array strided, which is 2-3x slower than contiguous
from about 512² up; large images are therefore transformed in a transposed layout of our
own (`transposed_layout`), where every pass is contiguous.

`circular_convolve` (the FFT engines' whole spectral product) runs on a `CircularPlan`:
zero-padded input buffers, both spectra, the output buffer and three plans, reused for
every call of the same shapes from the same thread (an FFTW plan and its buffers must not
be used by two threads at once). A call copies the inputs into the buffers (their padding
stays zero: the forward transforms preserve their input), executes the plans directly
(``FFTW.execute``: no array checks, no normalisation pass) and multiplies the spectra in
place. Measured here against three bare transforms of the padded size, the whole call
costs 1.0-1.05x at 10**4 to 10**7 points in 1-D and 1.0-1.1x in 2-D up to 1056², where
planning and allocating per call cost 1.3-3.5x at 10**4-10**5 points. Cached buffers are
bounded by `_CACHE_MAX_BYTES` in all (least recently used first out); a larger problem
gets a fresh plan per call, whose cost is small next to its transforms.
"""

from __future__ import annotations

import bisect
import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pyfftw

from .._wisdom import planner_flag
from ._fast_lengths import FAST_LENGTHS
from ._fast_lengths import LIMIT as FAST_LENGTHS_LIMIT
from ._fast_lengths_2d import FAST_LENGTHS_2D
from ._fast_lengths_2d import LIMIT as FAST_LENGTHS_2D_LIMIT
from ._fast_lengths_2d import LOWEST as FAST_LENGTHS_2D_LOWEST

# Buffers that cached CircularPlans may hold in all (per process).
_CACHE_MAX_BYTES = 128 << 20
# FFTW's planner is not thread-safe; executing distinct plans concurrently is.
_PLANNER_LOCK = threading.Lock()
# Images whose half-spectrum has at least this many values are transformed in the
# transposed layout (`transposed_layout`). Measured here on 2026-12-07 (float32 and
# float64, 1-129² kernels), row-major time / transposed time of a whole FFT call: 0.85-1.04
# from 270² to 544² and 1.00 at 735² (below this size), 1.07-1.65 from 1024² to 4160².
_TRANSPOSED_MIN = 1 << 18


def _transposed_buffer(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised ``shape`` array in the transposed layout, its rows spaced 8
    values apart: the passes along the rows read and write its columns, and a row
    stride of a large power of two (1024 columns: 16 KiB) maps them all to the same
    cache sets (measured here: 1.6-2.6x slower than 1056 columns, whose stride is not)."""
    return pyfftw.empty_aligned((shape[0], shape[1] + 8), dtype)[:, : shape[1]]


def transposed_layout(ndim: int, lengths: Sequence[int], axes: Sequence[int], real: bool) -> bool:
    """Whether the spectra of 2-D arrays transformed along both axes to `lengths` are
    kept transposed: shape ``(L1 // 2 + 1, L0)`` (``(L1, L0)`` complex).

    FFTW_ESTIMATE plans transform the columns of a row-major array strided, 2-3x slower
    than contiguous ones; in the transposed layout the first pass (along the rows) writes
    its result transposed and every later pass is contiguous. `SpectrumPlan` and
    `FilterPlan` both decide by this, so a spectrum always meets a filter of its layout.
    """
    if ndim != 2 or tuple(axes) != (0, 1):
        return False
    half = lengths[1] // 2 + 1 if real else lengths[1]
    return lengths[0] * half >= _TRANSPOSED_MIN


def _padded(shape: Sequence[int], lengths: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    out = list(shape)
    for a, n in zip(axes, lengths, strict=True):
        out[a] = n
    return tuple(out)


def _spectrum_shape(shape: tuple[int, ...], axes: Sequence[int], real: bool) -> tuple[int, ...]:
    if real:  # r2c halves the last transformed axis
        return shape[: axes[-1]] + (shape[axes[-1]] // 2 + 1,) + shape[axes[-1] + 1 :]
    return shape


def _make_plans(
    pairs: Sequence[tuple[np.ndarray, np.ndarray, str]], axes: Sequence[int], workers: int
) -> list[Callable[[], None]]:
    """``FFTW.execute`` of one plan per (input, output, direction), planned with the
    current effort; inverse plans may destroy their input (a temporary product)."""
    effort = planner_flag()
    with _PLANNER_LOCK:
        return [
            pyfftw.FFTW(
                src,
                dst,
                axes=tuple(axes),
                direction=direction,
                flags=(effort, "FFTW_DESTROY_INPUT") if direction == "FFTW_BACKWARD" else (effort,),
                threads=workers,
            ).execute
            for src, dst, direction in pairs
        ]


def _unique_nbytes(*arrays: np.ndarray) -> int:
    return sum(a.nbytes for a in {id(a): a for a in arrays}.values())


class FilterPlan:
    """Buffers and FFTW plans for ``inverse(forward(pad(x)) * S)`` with one x shape and
    a spectrum S of one shape given per call.

    Not thread-safe (the buffers are shared state): the backend keeps one per thread.
    A plan made with ``reusable=False`` may be called only once.
    """

    def __init__(
        self,
        x_shape: tuple[int, ...],
        s_shape: tuple[int, ...],
        dtype: np.dtype,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        reusable: bool = True,
    ) -> None:
        real = dtype.kind != "c"
        cdtype = np.result_type(dtype, np.complex64)
        self.scale = 1.0 / math.prod(lengths)
        self._transposed = transposed_layout(len(x_shape), lengths, axes, real)
        if self._transposed:
            self._init_transposed(x_shape, s_shape, dtype, cdtype, lengths, workers, reusable)
            return
        self.x_in = pyfftw.empty_aligned(_padded(x_shape, lengths, axes), dtype)
        self.x_data = tuple(slice(0, n) for n in x_shape)
        self.x_spectrum = pyfftw.empty_aligned(_spectrum_shape(self.x_in.shape, axes, real), cdtype)
        product_shape = np.broadcast_shapes(self.x_spectrum.shape, s_shape)
        if product_shape == self.x_spectrum.shape:
            self.product = self.x_spectrum
        else:
            self.product = pyfftw.empty_aligned(product_shape, cdtype)
        out_shape = np.broadcast_shapes(self.x_in.shape, _padded(s_shape, lengths, axes))
        if not reusable and out_shape == self.x_in.shape:
            # A one-shot plan may write its result over x's padded input: one large
            # buffer (and its page faults) less.
            self.out = self.x_in
        else:
            self.out = pyfftw.empty_aligned(out_shape, dtype)
        self.nbytes = _unique_nbytes(self.x_in, self.x_spectrum, self.product, self.out)
        self._forward, self._inverse = _make_plans(
            [
                (self.x_in, self.x_spectrum, "FFTW_FORWARD"),
                (self.product, self.out, "FFTW_BACKWARD"),
            ],
            axes,
            workers,
        )
        # Zeroed once, after planning (a measuring planner scribbles on the arrays):
        # every call writes only the data region, and the forward plan preserves its
        # input, so the padding stays zero.
        self.x_in[...] = 0

    def _init_transposed(
        self,
        x_shape: tuple[int, ...],
        s_shape: tuple[int, ...],
        dtype: np.dtype,
        cdtype: np.dtype,
        lengths: Sequence[int],
        workers: int,
        reusable: bool,
    ) -> None:
        """An image in the transposed layout (`transposed_layout`): the rows of x along
        the last axis, written transposed; the transforms along the first axis, now
        contiguous; the product with a spectrum in the same layout; and back.

        A one-shot plan (not `reusable`) needs two large buffers, as the row-major one:
        its result overwrites x's rows, and its column transforms run in place."""
        (n0, n1), (l0, l1) = x_shape, lengths
        t_shape = (l1 // 2 + 1 if dtype.kind != "c" else l1, l0)
        if tuple(s_shape) != t_shape:
            raise ValueError(f"spectrum shape {s_shape}: expected {t_shape} (transposed)")
        rows_t = _transposed_buffer(t_shape, cdtype)
        if reusable:
            # Only x's own rows are transformed along the last axis (the rest are zeros).
            self.x_in = pyfftw.empty_aligned((n0, l1), dtype)
            self.product = _transposed_buffer(t_shape, cdtype)
            self.out = pyfftw.empty_aligned((l0, l1), dtype)
        else:
            self.out = pyfftw.empty_aligned((l0, l1), dtype)
            self.x_in = self.out[:n0]
            self.product = rows_t
        self.x_data = (slice(0, n0), slice(0, n1))
        self.nbytes = _unique_nbytes(self.x_in, rows_t, self.product, self.out)
        self._passes = _make_plans(
            [
                (self.x_in, rows_t[:, :n0].T, "FFTW_FORWARD"),
                (rows_t, self.product, "FFTW_FORWARD"),
                (self.product, self.product, "FFTW_BACKWARD"),
                (self.product.T, self.out, "FFTW_BACKWARD"),
            ],
            [1],
            workers,
        )
        # After planning (a measuring planner scribbles on the arrays): zero the padding
        # that no call writes, which the out-of-place forward passes preserve.
        self.x_in[:, n1:] = 0
        rows_t[:, n0:] = 0

    def __call__(self, x: np.ndarray, spectrum: np.ndarray) -> np.ndarray:
        """The unnormalised result (times ``1 / self.scale``), in `out`."""
        self.x_in[self.x_data] = x
        if self._transposed:
            rows, columns, columns_back, rows_back = self._passes
            rows()
            columns()
            np.multiply(self.product, spectrum, out=self.product)
            columns_back()
            rows_back()
            return self.out
        self._forward()
        np.multiply(self.x_spectrum, spectrum, out=self.product)
        self._inverse()
        return self.out


class SpectrumPlan:
    """Buffers and forward plans for the zero-padded spectrum of one kernel shape.

    Along several axes the kernel occupies a small corner of the padded array, so the
    first pass transforms only its own rows along the last axis (into the corner of a
    zeroed buffer `rows`, which the second pass preserves) and the second pass transforms
    the other axes: measured here, 270² x 15² 2.2x and 4126² x 31² 1.5x faster than
    FFTW's own 2-D plan, which transforms every row, zeros included (1056² x 31²: same).
    A large 2-D kernel's spectrum is made in the transposed layout (`transposed_layout`).
    """

    def __init__(
        self,
        h_shape: tuple[int, ...],
        dtype: np.dtype,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
    ) -> None:
        real = dtype.kind != "c"
        cdtype = np.result_type(dtype, np.complex64)
        padded = _padded(h_shape, lengths, axes)
        spectrum_shape = _spectrum_shape(padded, axes, real)
        self.h_data = tuple(slice(0, n) for n in h_shape)
        last = axes[-1]
        if transposed_layout(len(h_shape), lengths, axes, real):
            # A large image kernel, in the transposed layout: the second pass's
            # transforms are contiguous (on 1056² x 32², 3.1 ms against 8.3 strided).
            self.h_in = pyfftw.empty_aligned((h_shape[0], lengths[1]), dtype)
            rows_t = _transposed_buffer(spectrum_shape[::-1], cdtype)
            self.spectrum = _transposed_buffer(rows_t.shape, cdtype)
            first = rows_t[:, : h_shape[0]].T
            self._passes = _make_plans([(self.h_in, first, "FFTW_FORWARD")], [1], workers)
            self._passes += _make_plans([(rows_t, self.spectrum, "FFTW_FORWARD")], [1], workers)
            rows_t[...] = 0  # after planning; out-of-place forward passes preserve their input
            buffers = [self.h_in, rows_t, self.spectrum]
        elif len(axes) == 1:
            self.spectrum = pyfftw.empty_aligned(spectrum_shape, cdtype)
            self.h_in = pyfftw.empty_aligned(padded, dtype)
            self._passes = _make_plans([(self.h_in, self.spectrum, "FFTW_FORWARD")], axes, workers)
            buffers = [self.h_in, self.spectrum]
        else:
            self.spectrum = pyfftw.empty_aligned(spectrum_shape, cdtype)
            # Pass 1 input: the kernel padded along the last axis only.
            self.h_in = pyfftw.empty_aligned(_padded(h_shape, [lengths[-1]], [last]), dtype)
            rows = pyfftw.empty_aligned(self.spectrum.shape, cdtype)
            corner = tuple(
                slice(0, n) if a in axes[:-1] else slice(None) for a, n in enumerate(h_shape)
            )
            self._passes = _make_plans([(self.h_in, rows[corner], "FFTW_FORWARD")], [last], workers)
            self._passes += _make_plans([(rows, self.spectrum, "FFTW_FORWARD")], axes[:-1], workers)
            rows[...] = 0  # after planning; out-of-place forward passes preserve their input
            buffers = [self.h_in, rows, self.spectrum]
        self.h_in[...] = 0  # after planning (a measuring planner scribbles on the arrays)
        self.nbytes = _unique_nbytes(*buffers)

    def __call__(self, h: np.ndarray) -> np.ndarray:
        """The spectrum of `h` (zero-padded), in the reused `spectrum` buffer."""
        self.h_in[self.h_data] = h
        for transform in self._passes:
            transform()
        return self.spectrum


class CircularPlan:
    """A `FilterPlan` for x and a `SpectrumPlan` for the kernel h: circular
    convolutions (or correlations) of one pair of shapes."""

    @staticmethod
    def estimate_bytes(
        x_shape: tuple[int, ...],
        h_shape: tuple[int, ...],
        dtype: np.dtype,
        lengths: Sequence[int],
        axes: Sequence[int],
    ) -> int:
        """About what the buffers of a reusable plan take: two padded inputs, two
        spectra and the output, each at most the padded broadcast size."""
        shape = np.broadcast_shapes(
            _padded(x_shape, lengths, axes), _padded(h_shape, lengths, axes)
        )
        return 5 * math.prod(shape) * dtype.itemsize

    def __init__(
        self,
        x_shape: tuple[int, ...],
        h_shape: tuple[int, ...],
        dtype: np.dtype,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        reusable: bool = True,
    ) -> None:
        self.kernel = SpectrumPlan(h_shape, dtype, lengths, axes, workers)
        self.filter = FilterPlan(
            x_shape, self.kernel.spectrum.shape, dtype, lengths, axes, workers, reusable
        )
        self.scale = self.filter.scale
        self.nbytes = self.filter.nbytes + self.kernel.nbytes

    def __call__(self, x: np.ndarray, h: np.ndarray, conjugate: bool) -> np.ndarray:
        """The unnormalised circular convolution, or correlation with `conjugate`."""
        spectrum = self.kernel(h)
        if conjugate:
            np.conjugate(spectrum, out=spectrum)
        return self.filter(x, spectrum)


_Plan = FilterPlan | CircularPlan | SpectrumPlan


class PyFFTWBackend:
    name: Literal["pyfftw"] = "pyfftw"

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[Any, ...], _Plan] = OrderedDict()
        self._plans_bytes = 0
        self._cache_lock = threading.Lock()

    def clear_cache(self) -> None:
        """Drop every cached plan and buffer (they are rebuilt on demand)."""
        with self._cache_lock:
            self._plans.clear()
            self._plans_bytes = 0

    def _cached(
        self, key: tuple[Any, ...], make: Callable[[bool], _Plan], nbytes: Callable[[], int]
    ) -> _Plan:
        """The plan for `key` made by ``make(reusable)``: cached when its buffers
        (about ``nbytes()``, asked only for a new plan) fit."""
        key = (*key, planner_flag(), threading.get_ident())
        with self._cache_lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        reusable = nbytes() <= _CACHE_MAX_BYTES
        plan = make(reusable)
        if reusable:
            with self._cache_lock:
                self._plans[key] = plan
                self._plans_bytes += plan.nbytes
                while self._plans_bytes > _CACHE_MAX_BYTES:
                    _, old = self._plans.popitem(last=False)
                    self._plans_bytes -= old.nbytes
        return plan

    def circular_convolve(
        self,
        x: np.ndarray,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> tuple[np.ndarray, float]:
        plan = self._cached(
            ("circular", x.shape, h.shape, x.dtype, tuple(lengths), tuple(axes), workers),
            lambda reusable: CircularPlan(
                x.shape, h.shape, x.dtype, lengths, axes, workers, reusable
            ),
            lambda: CircularPlan.estimate_bytes(x.shape, h.shape, x.dtype, lengths, axes),
        )
        assert isinstance(plan, CircularPlan)
        return plan(x, h, conjugate), plan.scale

    def spectrum(
        self,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> np.ndarray:
        plan = self._cached(
            ("spectrum", h.shape, h.dtype, tuple(lengths), tuple(axes), workers),
            lambda reusable: SpectrumPlan(h.shape, h.dtype, lengths, axes, workers),
            lambda: 3 * math.prod(_padded(h.shape, lengths, axes)) * h.dtype.itemsize,
        )
        assert isinstance(plan, SpectrumPlan)
        out = plan(h).copy()  # the caller owns it; the buffer is reused
        return np.conjugate(out, out=out) if conjugate else out

    def filter(
        self,
        x: np.ndarray,
        spectrum: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
    ) -> tuple[np.ndarray, float]:
        def nbytes() -> int:
            padded = _padded(spectrum.shape, lengths, axes)
            shape = np.broadcast_shapes(_padded(x.shape, lengths, axes), padded)
            return 4 * math.prod(shape) * x.dtype.itemsize

        plan = self._cached(
            ("filter", x.shape, spectrum.shape, x.dtype, tuple(lengths), tuple(axes), workers),
            lambda reusable: FilterPlan(
                x.shape, spectrum.shape, x.dtype, lengths, axes, workers, reusable
            ),
            nbytes,
        )
        assert isinstance(plan, FilterPlan)
        return plan(x, spectrum), plan.scale

    def next_fast_len(
        self, n: int, real: bool, ndim: int = 1, dtype: np.dtype | None = None
    ) -> int:
        # 1-D and real 2-D transforms have measured tables of their own: the 1-D table
        # made 1024² images 0.7-0.94x as fast (their column passes stride through
        # memory), and images of float32 and float64 are fastest at different lengths.
        if ndim == 1:
            return _fast_len(n)
        if ndim == 2 and dtype is not None and dtype.name in FAST_LENGTHS_2D:
            return _fast_len_2d(n, dtype.name)
        return _smallest_fast_len(n)

    def is_fast_len(self, n: int, real: bool) -> bool:
        return _is_smooth(n)


@functools.lru_cache(maxsize=4096)
def _fast_len(n: int) -> int:
    """The fastest measured transform length >= n (`_fast_lengths`), or beyond that
    table pyfftw.next_fast_len's: the smallest 2^a 3^b 5^c 7^d, times at most one 11 or
    13. The smallest is rarely the fastest: 10,080 points (2^5 3^2 5 7) took 80 us a
    transform pair here, 10,240 (2^11 5) 62 us."""
    if n <= FAST_LENGTHS_LIMIT:
        return FAST_LENGTHS[bisect.bisect_left(FAST_LENGTHS, n)]
    return _smallest_fast_len(n)


@functools.lru_cache(maxsize=4096)
def _fast_len_2d(n: int, dtype_name: str) -> int:
    """The fastest measured length >= n along either axis of a real image transform in
    `dtype_name` (`_fast_lengths_2d`: whole 2-D FFT convolutions of square images), or
    outside that table the smallest of pyfftw.next_fast_len's kind. Measured there, the
    smallest length took 1.61x as long as the table's at 270 (float32: 288; float64:
    320, 1.46x) and 1.34-1.41x at 4,158 (4,160), and the dtypes disagree: 4,116 is the
    float32 pick for 4,098-4,116 and 0.9x as fast as 4,160 in float64."""
    table = FAST_LENGTHS_2D[dtype_name]
    if FAST_LENGTHS_2D_LOWEST <= n <= FAST_LENGTHS_2D_LIMIT:
        return table[bisect.bisect_left(table, n)]
    return _smallest_fast_len(n)


@functools.lru_cache(maxsize=4096)
def _smallest_fast_len(n: int) -> int:
    # pyfftw.next_fast_len is pure Python (~40 us a call); the cost model asks often.
    return int(pyfftw.next_fast_len(n))


def _is_smooth(n: int) -> bool:
    """Whether n is one of pyfftw.next_fast_len's lengths (FFTW's fast kind)."""
    for p in (2, 3, 5, 7):
        while n % p == 0:
            n //= p
    return n in (1, 11, 13)
