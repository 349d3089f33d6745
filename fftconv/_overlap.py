"""Overlap-add: blocked frequency-domain convolution/correlation, in N-D.

`in1` is cut into blocks of ``B`` samples along every convolved axis where that pays
(the block sizes come from the cost model). All blocks are transformed in one batched
call with the kernel spectrum computed once; each block's linear result (``B + M - 1``
samples) is added into the output at the block's offset. Blocks are laid out as an extra
axis so that the whole method is a handful of vectorised array operations:

    x  (..., N, ...)  --pad+reshape-->  (..., nb, B, ...)  --FFT over B, times H-->
    (..., nb, L, ...)  --inverse, overlap-add nb blocks-->  (..., nb*B + M - 1, ...)

For a correlation the kernel spectrum is conjugated (SPEC.md §2); each block's circular
result then holds its negative lags at the end, and they are read from there when the
blocks are added.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._backends import FFTBackend
from ._fft import read_window
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
    hb = h.reshape(kernel_shape)
    fft_axes = [p + 1 for p in positions]
    correlate = spec.kind == "correlate"
    y, scale = backend.circular_convolve(xb, hb, lengths, fft_axes, workers, correlate)

    # Overlap-add from the last convolved axis back, so earlier positions stay valid.
    for i in reversed(range(len(spec.axes))):
        a = spec.axes[i]
        m = h.shape[a]
        offset = m - 1 if correlate else 0
        y = _overlap_add_axis(y, positions[i], blocks[i], m, offset)
        y = _take(y, positions[i], 0, x.shape[a] + m - 1)
    return read_window(y, spec, [0] * len(spec.axes), scale)


def _take(y: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    index = [slice(None)] * y.ndim
    index[axis] = slice(start, stop)
    return y[tuple(index)]


def _overlap_add_axis(y: np.ndarray, p: int, block: int, m: int, offset: int) -> np.ndarray:
    """Merge axes (p: blocks, p+1: circular block results) into one linear axis.

    Linear position ``j`` of a block's result sits at circular index ``(j - offset) mod
    L``: ``offset`` is 0 for a convolution and ``m - 1`` for a correlation.
    """
    period = y.shape[p + 1]
    span = block + m - 1  # linear length of one block's result
    nb = y.shape[p]
    y = np.moveaxis(y, (p, p + 1), (-2, -1))
    if nb == 1:  # an axis not blocked (block may be shorter than m - 1 here)
        head = y[..., 0, period - offset :]
        out = (
            np.concatenate([head, y[..., 0, : span - offset]], axis=-1)
            if offset
            else y[..., 0, :span]
        )
    else:
        # Block b covers [b*block, b*block + span); its tail (m - 1 <= block samples)
        # overlaps only the head of block b + 1. offset <= m - 1 <= block, so the
        # wrapped head [0, offset) lies inside the first `block` samples.
        out = np.zeros(y.shape[:-2] + (nb + 1, block), dtype=y.dtype)
        out[..., :nb, :offset] = y[..., period - offset :]
        out[..., :nb, offset:] = y[..., : block - offset]
        out[..., 1:, : m - 1] += y[..., block - offset : span - offset]
        out = out.reshape(y.shape[:-2] + ((nb + 1) * block,))
    return np.moveaxis(out, -1, p)
