"""The spectral product: pad, transform, multiply (or multiply by the conjugate), invert.

Convolution is the inverse transform of ``X * H``; correlation the inverse transform of
``X * conj(H)`` (SPEC.md §2). The inverse of ``X * conj(H)`` is the *circular*
correlation: lag ``k`` sits at index ``k mod L``, so the negative lags are read from the
end of the circular result (`read_window`). With ``L >= N + M - 1`` nothing wraps onto
anything else, so the result is the linear one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._backends import FFTBackend
from ._spec import ConvSpec, Kind


def fast_lengths(spec: ConvSpec, backend: FFTBackend, real: bool) -> list[int]:
    """Padded transform length per convolved axis: the next fast length >= N + M - 1."""
    return [
        backend.next_fast_len(spec.in1.shape[a] + spec.in2.shape[a] - 1, real) for a in spec.axes
    ]


def spectral_product(
    x: np.ndarray,
    h: np.ndarray,
    kind: Kind,
    axes: Sequence[int],
    lengths: Sequence[int],
    backend: FFTBackend,
    workers: int,
) -> np.ndarray:
    """Circular convolution/correlation of `x` and `h` with period `lengths` along `axes`.

    `x` and `h` must already have the compute dtype (both real or both complex). Other
    axes broadcast. Returns a new array.
    """
    real = x.dtype.kind != "c"
    forward = backend.rfftn if real else backend.fftn
    inverse = backend.irfftn if real else backend.ifftn
    xs = forward(x, lengths, axes, workers)
    hs = forward(h, lengths, axes, workers)
    if kind == "correlate":
        np.conjugate(hs, out=hs)
    # Multiply into a spectrum we own that already has the broadcast shape (both are
    # temporaries), so no third spectrum-sized array is allocated.
    shape = np.broadcast_shapes(xs.shape, hs.shape)
    if xs.shape == shape:
        product = np.multiply(xs, hs, out=xs)
    elif hs.shape == shape:
        product = np.multiply(xs, hs, out=hs)
    else:
        product = xs * hs
    return inverse(product, lengths, axes, workers)


def circular_offsets(spec: ConvSpec) -> list[int]:
    """Per convolved axis, the full-result index held at circular index 0.

    Correlation puts lag 0 (full index M - 1) at circular index 0.
    """
    if spec.kind == "correlate":
        return [spec.in2.shape[a] - 1 for a in spec.axes]
    return [0] * len(spec.axes)


def read_window(circ: np.ndarray, spec: ConvSpec, offsets: Sequence[int]) -> np.ndarray:
    """Copy the mode window out of a circular result (one gather per wrapped axis)."""
    index: list[slice] = [slice(None)] * circ.ndim
    gathers = []
    for a, offset in zip(spec.axes, offsets, strict=True):
        period = circ.shape[a]
        start = (spec.starts[a] - offset) % period
        length = spec.out_shape[a]
        if start + length <= period:
            index[a] = slice(start, start + length)
        else:  # the window runs over the end: negative correlation lags
            gathers.append((a, (start + np.arange(length)) % period))
    if not gathers and all(
        sl == slice(None) or (sl.start, sl.stop) == (0, circ.shape[a]) for a, sl in enumerate(index)
    ):
        return circ  # the window is the whole circular result (no padding was needed)
    out = circ[tuple(index)]
    for a, idx in gathers:
        out = np.take(out, idx, axis=a)
    # A fresh contiguous array: never keep the padded buffer alive through a view.
    return np.array(out, order="C", copy=True) if out.base is not None else out


def fft_convolve(
    x: np.ndarray, h: np.ndarray, spec: ConvSpec, backend: FFTBackend, workers: int
) -> np.ndarray:
    """The mode window of the linear result, by one padded transform of each input."""
    lengths = fast_lengths(spec, backend, real=x.dtype.kind != "c")
    circ = spectral_product(x, h, spec.kind, spec.axes, lengths, backend, workers)
    return read_window(circ, spec, circular_offsets(spec))
