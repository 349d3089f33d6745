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
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pyfftw

from .._wisdom import planner_flag

# Buffers that cached CircularPlans may hold in all (per process).
_CACHE_MAX_BYTES = 128 << 20
# FFTW's planner is not thread-safe; executing distinct plans concurrently is.
_PLANNER_LOCK = threading.Lock()


def _padded(shape: Sequence[int], lengths: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    out = list(shape)
    for a, n in zip(axes, lengths, strict=True):
        out[a] = n
    return tuple(out)


class CircularPlan:
    """Buffers and FFTW plans for circular convolutions of one pair of shapes.

    Not thread-safe (the buffers are shared state): the backend keeps one per thread.
    A plan made with ``reusable=False`` may be called only once.
    """

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
        real = dtype.kind != "c"
        cdtype = np.result_type(dtype, np.complex64)
        axes = tuple(axes)
        self.x_in = pyfftw.empty_aligned(_padded(x_shape, lengths, axes), dtype)
        self.h_in = pyfftw.empty_aligned(_padded(h_shape, lengths, axes), dtype)
        self.x_data = tuple(slice(0, n) for n in x_shape)
        self.h_data = tuple(slice(0, n) for n in h_shape)

        def spectrum_of(shape: tuple[int, ...]) -> np.ndarray:
            if real:  # r2c halves the last transformed axis
                shape = shape[: axes[-1]] + (shape[axes[-1]] // 2 + 1,) + shape[axes[-1] + 1 :]
            return pyfftw.empty_aligned(shape, cdtype)

        self.x_spectrum = spectrum_of(self.x_in.shape)
        self.h_spectrum = spectrum_of(self.h_in.shape)
        shape = np.broadcast_shapes(self.x_in.shape, self.h_in.shape)
        if self.x_in.shape == shape:
            self.product = self.x_spectrum
        elif self.h_in.shape == shape:
            self.product = self.h_spectrum
        else:
            self.product = spectrum_of(shape)
        if not reusable and self.x_in.shape == shape:
            # A one-shot plan may write its result over x's padded input: one large
            # buffer (and its page faults) less.
            self.out = self.x_in
        else:
            self.out = pyfftw.empty_aligned(shape, dtype)
        self.scale = 1.0 / math.prod(lengths)
        self.nbytes = sum(
            a.nbytes
            for a in {
                id(a): a
                for a in (
                    self.x_in,
                    self.h_in,
                    self.x_spectrum,
                    self.h_spectrum,
                    self.product,
                    self.out,
                )
            }.values()
        )
        effort = planner_flag()
        with _PLANNER_LOCK:
            self._plans = [
                pyfftw.FFTW(
                    src, dst, axes=axes, direction=direction, flags=flags, threads=workers
                ).execute
                for src, dst, direction, flags in (
                    (self.x_in, self.x_spectrum, "FFTW_FORWARD", (effort,)),
                    (self.h_in, self.h_spectrum, "FFTW_FORWARD", (effort,)),
                    (self.product, self.out, "FFTW_BACKWARD", (effort, "FFTW_DESTROY_INPUT")),
                )
            ]
        # Zeroed once, after planning (a measuring planner scribbles on the arrays):
        # every call writes only the data region, and the forward plans preserve their
        # input, so the padding stays zero.
        self.x_in[...] = 0
        self.h_in[...] = 0

    def __call__(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """The unnormalised circular convolution (times ``1 / self.scale``), in `out`."""
        self.x_in[self.x_data] = x
        self.h_in[self.h_data] = h
        forward_x, forward_h, inverse = self._plans
        forward_x()
        forward_h()
        np.multiply(self.x_spectrum, self.h_spectrum, out=self.product)
        inverse()
        return self.out


class PyFFTWBackend:
    name: Literal["pyfftw"] = "pyfftw"

    def __init__(self) -> None:
        self._circular: OrderedDict[tuple[Any, ...], CircularPlan] = OrderedDict()
        self._circular_bytes = 0
        self._cache_lock = threading.Lock()

    def clear_cache(self) -> None:
        """Drop every cached plan and buffer (they are rebuilt on demand)."""
        with self._cache_lock:
            self._circular.clear()
            self._circular_bytes = 0

    def circular_convolve(
        self,
        x: np.ndarray,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
    ) -> tuple[np.ndarray, float]:
        key = (
            x.shape,
            h.shape,
            x.dtype.str,
            tuple(lengths),
            tuple(axes),
            workers,
            planner_flag(),
            threading.get_ident(),
        )
        with self._cache_lock:
            plan = self._circular.get(key)
            if plan is not None:
                self._circular.move_to_end(key)
        if plan is None:
            reusable = (
                CircularPlan.estimate_bytes(x.shape, h.shape, x.dtype, lengths, axes)
                <= _CACHE_MAX_BYTES
            )
            plan = CircularPlan(x.shape, h.shape, x.dtype, lengths, axes, workers, reusable)
            if reusable:
                with self._cache_lock:
                    self._circular[key] = plan
                    self._circular_bytes += plan.nbytes
                    while self._circular_bytes > _CACHE_MAX_BYTES:
                        _, old = self._circular.popitem(last=False)
                        self._circular_bytes -= old.nbytes
        return plan(x, h), plan.scale

    def next_fast_len(self, n: int, real: bool) -> int:
        return _fast_len(n)


@functools.lru_cache(maxsize=4096)
def _fast_len(n: int) -> int:
    # pyfftw.next_fast_len is pure Python (~40 us a call); the cost model asks often.
    return int(pyfftw.next_fast_len(n))
