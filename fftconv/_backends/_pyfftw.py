"""The pyfftw backend: FFTW plans with FFTW_ESTIMATE, reused per shape and thread.

Why ESTIMATE: FFTW_MEASURE planning took 1 to 160 s here for sizes from 2**14 to 10**7,
which a one-shot call must never pay. ESTIMATE plans cost well under a millisecond and
transform within a few percent of MEASURE plans for the smooth lengths we pad to (measured
plans are opt-in: `fftconv._wisdom`).

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

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pyfftw

from .._wisdom import planner_flag

# Buffers that cached CircularPlans may hold in all (per process).
_CACHE_MAX_BYTES = 128 << 20
# FFTW's planner is not thread-safe; executing distinct plans concurrently is.
_PLANNER_LOCK = threading.Lock()
# Image kernel spectra of at least this many values are made in the transposed layout
# (`SpectrumPlan`). Measured here (2026-12-07, float32 and float64, 15²-63² kernels),
# old/new time: 0.55-0.83 at 288² (the transposing copy costs more than it saves),
# 0.87-1.07 at 544², 1.0-2.4 at 1056²-1152², 1.9-2.6 at 4160².
_TRANSPOSED_MIN = 1 << 18


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
        self.scale = 1.0 / math.prod(lengths)
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

    def __call__(self, x: np.ndarray, spectrum: np.ndarray) -> np.ndarray:
        """The unnormalised result (times ``1 / self.scale``), in `out`."""
        self.x_in[self.x_data] = x
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
    A large 2-D kernel's second pass runs on the transposed layout (`_TRANSPOSED_MIN`).
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
        self.spectrum = pyfftw.empty_aligned(_spectrum_shape(padded, axes, real), cdtype)
        self.h_data = tuple(slice(0, n) for n in h_shape)
        last = axes[-1]
        self._transposed: np.ndarray | None = None
        if len(axes) == 1:
            self.h_in = pyfftw.empty_aligned(padded, dtype)
            self._passes = _make_plans([(self.h_in, self.spectrum, "FFTW_FORWARD")], axes, workers)
            buffers = [self.h_in, self.spectrum]
        elif len(h_shape) == 2 and math.prod(self.spectrum.shape) >= _TRANSPOSED_MIN:
            # A large image kernel: the second pass runs on the transposed layout, where
            # each column's transform is contiguous, and the result is transposed back.
            # On 1056² x 32² the column transforms took 8.3 ms strided and 3.1 ms
            # contiguous, plus 1.2 ms for the transposing copy.
            self.h_in = pyfftw.empty_aligned((h_shape[0], lengths[1]), dtype)
            rows_t = pyfftw.empty_aligned(self.spectrum.shape[::-1], cdtype)
            self._transposed = pyfftw.empty_aligned(rows_t.shape, cdtype)
            first = rows_t[:, : h_shape[0]].T
            self._passes = _make_plans([(self.h_in, first, "FFTW_FORWARD")], [1], workers)
            self._passes += _make_plans([(rows_t, self._transposed, "FFTW_FORWARD")], [1], workers)
            rows_t[...] = 0  # after planning; out-of-place forward passes preserve their input
            buffers = [self.h_in, rows_t, self._transposed, self.spectrum]
        else:
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
        if self._transposed is not None:
            np.copyto(self.spectrum, self._transposed.T)
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

    def next_fast_len(self, n: int, real: bool) -> int:
        return _fast_len(n)


@functools.lru_cache(maxsize=4096)
def _fast_len(n: int) -> int:
    # pyfftw.next_fast_len is pure Python (~40 us a call); the cost model asks often.
    return int(pyfftw.next_fast_len(n))
