"""The single-FFT method: pad, transform, multiply, invert, crop.

Convolution is the inverse transform of ``X * H``. A correlation is computed as the
convolution with ``conj(flip(h))`` (SPEC.md §2), which has the same full result; flipping
the kernel costs one pass over the kernel, where conjugating its spectrum would cost one
over the padded spectrum and would put the negative lags at the end of the circular
result. With transform lengths ``L >= N + M - 1`` nothing wraps, so index ``k`` of the
circular result is index ``k`` of the full linear result.
"""

from __future__ import annotations

import numpy as np

from ._backends import FFTBackend
from ._direct import convolution_kernel
from ._spec import ConvSpec


def fast_lengths(spec: ConvSpec, backend: FFTBackend, real: bool) -> list[int]:
    """Padded transform length per convolved axis: the next fast length >= N + M - 1."""
    return [
        backend.next_fast_len(spec.in1.shape[a] + spec.in2.shape[a] - 1, real) for a in spec.axes
    ]


def scaled_copy(y: np.ndarray, scale: float) -> np.ndarray:
    """A new C-contiguous array holding ``y * scale`` (one pass; `y` may be a view of a
    buffer the backend reuses, and the result never keeps it alive)."""
    out = np.empty(y.shape, dtype=y.dtype)
    if scale == 1.0:
        np.copyto(out, y)
    else:
        np.multiply(y, scale, out=out)
    return out


def fft_convolve(
    x: np.ndarray, h: np.ndarray, spec: ConvSpec, backend: FFTBackend, workers: int
) -> np.ndarray:
    """The mode window of the linear result, by one padded transform of each input."""
    lengths = fast_lengths(spec, backend, real=x.dtype.kind != "c")
    g = convolution_kernel(h, spec)
    circ, scale = backend.circular_convolve(x, g, lengths, spec.axes, workers)
    return scaled_copy(circ[spec.window()], scale)
