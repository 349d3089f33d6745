"""The pyfftw backend: FFTW plans with FFTW_ESTIMATE, cached per thread.

Why ESTIMATE: FFTW_MEASURE planning took 1 to 160 s here for sizes from 2**14 to 10**7,
which a one-shot call must never pay. ESTIMATE plans cost well under a millisecond and
transform within a few percent of MEASURE plans for the smooth lengths we pad to.

Buffers: every call allocates SIMD-aligned input/output arrays that the caller then owns;
a cached plan is re-pointed at them (``FFTW.__call__`` -> ``update_arrays``), so no result
ever aliases a plan's internal buffer. A plan is keyed on everything it depends on, the
calling thread included: an FFTW plan object must not execute in two threads at once.
Only small plans are cached (planning is negligible next to a large transform, and a
cached plan keeps its template arrays alive).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pyfftw

# Plans for transforms up to this many points are cached; larger ones are planned per call.
_CACHE_MAX_POINTS = 1 << 20
_CACHE_MAX_PLANS = 64
# FFTW's planner is not thread-safe; executing distinct plans concurrently is.
_PLANNER_LOCK = threading.Lock()


class PyFFTWBackend:
    name: Literal["pyfftw"] = "pyfftw"

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[Any, ...], pyfftw.FFTW] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _execute(
        self,
        inp: np.ndarray,
        out: np.ndarray,
        axes: Sequence[int],
        direction: str,
        workers: int,
    ) -> np.ndarray:
        key = (
            inp.shape,
            inp.dtype.str,
            out.shape,
            out.dtype.str,
            tuple(axes),
            direction,
            workers,
            threading.get_ident(),
        )
        cacheable = inp.size <= _CACHE_MAX_POINTS
        plan = None
        if cacheable:
            with self._cache_lock:
                plan = self._plans.get(key)
                if plan is not None:
                    self._plans.move_to_end(key)
        if plan is None:
            # ESTIMATE never touches the arrays, so planning on the real buffers is safe.
            flags = ("FFTW_ESTIMATE", "FFTW_DESTROY_INPUT")
            with _PLANNER_LOCK:
                plan = pyfftw.FFTW(
                    inp, out, axes=tuple(axes), direction=direction, flags=flags, threads=workers
                )
            if cacheable:
                with self._cache_lock:
                    self._plans[key] = plan
                    while len(self._plans) > _CACHE_MAX_PLANS:
                        self._plans.popitem(last=False)
            plan()  # planned on these very arrays; normalises the inverse
            return out
        return plan(inp, out)

    def _padded_input(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], dtype: np.dtype
    ) -> np.ndarray:
        """An aligned copy of `x` (as `dtype`) zero-padded to `lengths` along `axes`."""
        shape = list(x.shape)
        for a, n in zip(axes, lengths, strict=True):
            shape[a] = n
        buf = pyfftw.empty_aligned(tuple(shape), dtype)
        buf[tuple(slice(0, n) for n in x.shape)] = x
        # Zero only the padding slabs: cheaper than zeroing the whole buffer first.
        for a, n in zip(axes, lengths, strict=True):
            if n > x.shape[a]:
                pad = [slice(None)] * x.ndim
                pad[a] = slice(x.shape[a], n)
                buf[tuple(pad)] = 0
        return buf

    def rfftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        inp = self._padded_input(x, lengths, axes, x.dtype)
        out_shape = list(inp.shape)
        out_shape[axes[-1]] = lengths[-1] // 2 + 1
        out = pyfftw.empty_aligned(tuple(out_shape), np.result_type(x.dtype, np.complex64))
        return self._execute(inp, out, axes, "FFTW_FORWARD", workers)

    def irfftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        out_shape = list(spectrum.shape)
        for a, n in zip(axes, lengths, strict=True):
            out_shape[a] = n
        out = pyfftw.empty_aligned(tuple(out_shape), spectrum.real.dtype)
        inp = _aligned(spectrum)
        return self._execute(inp, out, axes, "FFTW_BACKWARD", workers)

    def fftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        inp = self._padded_input(x, lengths, axes, x.dtype)
        out = pyfftw.empty_aligned(inp.shape, inp.dtype)
        return self._execute(inp, out, axes, "FFTW_FORWARD", workers)

    def ifftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        inp = _aligned(spectrum)
        out = pyfftw.empty_aligned(inp.shape, inp.dtype)
        return self._execute(inp, out, axes, "FFTW_BACKWARD", workers)

    def next_fast_len(self, n: int, real: bool) -> int:
        return _fast_len(n)


@functools.lru_cache(maxsize=4096)
def _fast_len(n: int) -> int:
    # pyfftw.next_fast_len is pure Python (~40 us a call); the cost model asks often.
    return int(pyfftw.next_fast_len(n))


def _aligned(a: np.ndarray) -> np.ndarray:
    """`a` itself when it is C-contiguous and SIMD-aligned, else an aligned copy."""
    if a.flags.c_contiguous and pyfftw.is_byte_aligned(a):
        return a
    buf = pyfftw.empty_aligned(a.shape, a.dtype)
    buf[...] = a
    return buf
