"""The numpy.fft backend (single-threaded: ``workers`` is ignored).

numpy >= 2.0 transforms float32 and longdouble natively; older numpy computes in float64,
so single-precision inputs are cast back to the dtype the engines expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.fft

from . import TransformProduct


def _complex_of(dtype: np.dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


class NumpyBackend(TransformProduct):
    name: Literal["numpy"] = "numpy"

    def rfftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        out = np.fft.rfftn(x, s=lengths, axes=axes)
        return out.astype(_complex_of(x.dtype), copy=False)

    def irfftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        out = np.fft.irfftn(spectrum, s=lengths, axes=axes)
        return out.astype(spectrum.real.dtype, copy=False)

    def fftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return np.fft.fftn(x, s=lengths, axes=axes).astype(x.dtype, copy=False)

    def ifftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return np.fft.ifftn(spectrum, s=lengths, axes=axes).astype(spectrum.dtype, copy=False)

    def next_fast_len(
        self, n: int, real: bool, ndim: int = 1, dtype: np.dtype | None = None
    ) -> int:
        # numpy's pocketfft is fast for the same 2-3-5(-7-11) smooth lengths as scipy's.
        return int(scipy.fft.next_fast_len(n, real))
