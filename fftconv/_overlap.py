"""Overlap-add: blocked frequency-domain convolution/correlation, in N-D.

`in1` is cut into blocks of ``B`` samples along every convolved axis where that pays
(the block sizes come from the cost model). All blocks are transformed in one batched
call with the kernel spectrum computed once; each block's linear result (``B + M - 1``
samples) is added into the output at the block's offset. Blocks are laid out as an extra
axis so that the whole method is a handful of vectorised array operations:

    x  (..., N, ...)  --pad+reshape-->  (..., nb, B, ...)  --FFT over B, times H-->
    (..., nb, L, ...)  --inverse, overlap-add nb blocks-->  (..., nb*B + M - 1, ...)

A correlation is the convolution with ``conj(flip(h))``, as in the single-FFT method.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._backends import FFTBackend
from ._direct import convolution_kernel
from ._fft import scaled_copy
from ._spec import ConvSpec


def oa_convolve(
    x: np.ndarray,
    h: np.ndarray,
    spec: ConvSpec,
    blocks: Sequence[int],
    lengths: Sequence[int],
    backend: FFTBackend,
    workers: int,
) -> np.ndarray:
    """The mode window of the linear result, by overlap-add.

    `blocks[i]` is the block size along ``spec.axes[i]`` (the whole length for an axis
    that is not blocked) and `lengths[i]` the transform length, ``>= blocks[i] + M - 1``.
    Blocked axes need ``blocks[i] >= M - 1`` so that only neighbouring blocks overlap.
    """
    # Pad x to whole blocks and split every convolved axis into (number of blocks, block).
    pad = [(0, 0)] * x.ndim
    block_shape: list[int] = []
    kernel_shape: list[int] = []
    positions = []  # per convolved axis, where its (nb, B) pair sits in the blocked shape
    for a in range(x.ndim):
        if a in spec.axes:
            size = blocks[spec.axes.index(a)]
            nb = -(-x.shape[a] // size)
            pad[a] = (0, nb * size - x.shape[a])
            positions.append(len(block_shape))
            block_shape += [nb, size]
            kernel_shape += [1, h.shape[a]]
        else:
            block_shape.append(x.shape[a])
            kernel_shape.append(h.shape[a])
    xb = np.pad(x, pad).reshape(block_shape)
    hb = convolution_kernel(h, spec).reshape(kernel_shape)
    fft_axes = [p + 1 for p in positions]
    y, scale = backend.circular_convolve(xb, hb, lengths, fft_axes, workers)

    # Overlap-add from the last convolved axis back, so earlier positions stay valid.
    for i in reversed(range(len(spec.axes))):
        a = spec.axes[i]
        m = h.shape[a]
        y = _overlap_add_axis(y, positions[i], blocks[i], m)
        y = _take(y, positions[i], 0, x.shape[a] + m - 1)
    return scaled_copy(y[spec.window()], scale)


def _take(y: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    index = [slice(None)] * y.ndim
    index[axis] = slice(start, stop)
    return y[tuple(index)]


def _overlap_add_axis(y: np.ndarray, p: int, block: int, m: int) -> np.ndarray:
    """Merge axes (p: blocks, p+1: circular block results) into one linear axis."""
    y = _take(y, p + 1, 0, block + m - 1)  # one block's linear result
    nb = y.shape[p]
    y = np.moveaxis(y, (p, p + 1), (-2, -1))
    if nb == 1:
        out = y[..., 0, :]
    else:
        # Block b covers [b*block, b*block + span); its tail (m - 1 <= block samples)
        # overlaps only the head of block b + 1.
        out = np.zeros(y.shape[:-2] + (nb + 1, block), dtype=y.dtype)
        out[..., :nb, :] = y[..., :block]
        out[..., 1:, : m - 1] += y[..., block:]
        out = out.reshape(y.shape[:-2] + ((nb + 1) * block,))
    return np.moveaxis(out, -1, p)
