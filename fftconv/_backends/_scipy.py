"""The scipy.fft backend (pocketfft; multithreaded through ``workers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.fft

from . import TransformProduct


class ScipyBackend(TransformProduct):
    name: Literal["scipy"] = "scipy"

    def rfftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return scipy.fft.rfftn(x, s=lengths, axes=axes, workers=workers)

    def irfftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return scipy.fft.irfftn(spectrum, s=lengths, axes=axes, workers=workers, overwrite_x=True)

    def fftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return scipy.fft.fftn(x, s=lengths, axes=axes, workers=workers)

    def ifftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        return scipy.fft.ifftn(spectrum, s=lengths, axes=axes, workers=workers, overwrite_x=True)

    def next_fast_len(
        self, n: int, real: bool, ndim: int = 1, dtype: np.dtype | None = None
    ) -> int:
        return int(scipy.fft.next_fast_len(n, real))
