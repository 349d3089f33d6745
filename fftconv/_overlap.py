"""Overlap-add and overlap-save: blocked frequency-domain convolution/correlation.

Along one convolved axis the 'oa' method is overlap-save (`overlap_save_window`): block
``k`` reads ``x[kB - M + 1 : kB + B]`` through a strided view, and the valid ``B``
outputs of its circular result are written straight to the output; streaming uses the
same `overlap_save`. Along several axes it is overlap-add, described next.

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
from dataclasses import dataclass

import numpy as np

from ._backends import FFTBackend
from ._fft import read_window
from ._spec import ConvSpec


@dataclass(frozen=True)
class BlockLayout:
    """How overlap-add lays out x's blocks and the kernel for one batched transform."""

    pad: list[tuple[int, int]]  # zero padding of x to whole blocks
    block_shape: list[int]  # x padded, each convolved axis split into (blocks, block)
    kernel_shape: list[int]  # the kernel with a length-1 blocks axis before each
    positions: list[int]  # per convolved axis, where its (blocks, block) pair sits

    @property
    def fft_axes(self) -> list[int]:
        return [p + 1 for p in self.positions]


def block_layout(
    x_shape: Sequence[int], h_shape: Sequence[int], axes: Sequence[int], blocks: Sequence[int]
) -> BlockLayout:
    """The layout for blocks of `blocks[i]` samples along ``axes[i]``."""
    layout = BlockLayout([(0, 0)] * len(x_shape), [], [], [])
    for a, (n, m) in enumerate(zip(x_shape, h_shape, strict=True)):
        if a in axes:
            size = blocks[list(axes).index(a)]
            nb = -(-n // size)
            layout.pad[a] = (0, nb * size - n)
            layout.positions.append(len(layout.block_shape))
            layout.block_shape.extend((nb, size))
            layout.kernel_shape.extend((1, m))
        else:
            layout.block_shape.append(n)
            layout.kernel_shape.append(m)
    return layout


def oa_convolve(
    x: np.ndarray,
    h: np.ndarray,
    spec: ConvSpec,
    blocks: Sequence[int],
    lengths: Sequence[int],
    backend: FFTBackend,
    workers: int,
    *,
    spectrum: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The mode window of the linear result, by overlap-add.

    `blocks[i]` is the block size along ``spec.axes[i]`` (the whole length for an axis
    that is not blocked) and `lengths[i]` the transform length, ``>= blocks[i] + M - 1``.
    Blocked axes need ``blocks[i] >= M - 1`` so that only neighbouring blocks overlap.
    `spectrum`: the kernel's (conjugated, for a correlation) spectrum in the
    ``kernel_shape`` of `block_layout`, computed once by the caller; `out`: where to write.
    """
    if spectrum is None:
        spectrum = oa_spectrum(h, spec, blocks, lengths, backend)
    if len(spec.axes) == 1:
        # One convolved axis: overlap-save, which reads the blocks through a strided
        # view and writes the window directly, measured 1.2-2.2x faster here at
        # 10**5-10**7 samples than the padding, adding and cropping below.
        return overlap_save_window(
            x,
            h,
            spec,
            spectrum=spectrum,
            length=lengths[0],
            backend=backend,
            workers=workers,
            out=out,
        )
    layout = block_layout(x.shape, h.shape, spec.axes, blocks)
    xb = np.pad(x, layout.pad).reshape(layout.block_shape)
    y, scale = backend.filter(xb, spectrum, lengths, layout.fft_axes, workers)

    # Overlap-add from the last convolved axis back, so earlier positions stay valid.
    for i in reversed(range(len(spec.axes))):
        a = spec.axes[i]
        m = h.shape[a]
        offset = m - 1 if spec.kind == "correlate" else 0
        y = _overlap_add_axis(y, layout.positions[i], blocks[i], m, offset)
        y = axis_slice(y, layout.positions[i], 0, x.shape[a] + m - 1)
    return read_window(y, spec, (0,) * len(spec.axes), scale, out)


def oa_spectrum(
    h: np.ndarray,
    spec: ConvSpec,
    blocks: Sequence[int],
    lengths: Sequence[int],
    backend: FFTBackend,
) -> np.ndarray:
    """The kernel's (conjugated, for a correlation) spectrum in the layout `oa_convolve`
    uses: overlap-save's along one axis, the blocked layout along several.

    One thread: it is one block-sized transform, and FFTW's threaded plan of a single
    small transform may round differently (seen at 384 points), which would make the
    result depend on `workers`.
    """
    correlate = spec.kind == "correlate"
    if len(spec.axes) == 1:
        hs = stream_kernel_layout(h, spec.axes[0])
        return backend.spectrum(hs, lengths, [h.ndim], 1, correlate)
    layout = block_layout(spec.in1.shape, h.shape, spec.axes, blocks)
    hb = h.reshape(layout.kernel_shape)
    return backend.spectrum(hb, lengths, layout.fft_axes, 1, correlate)


def axis_index(ndim: int, axis: int, start: int, stop: int) -> tuple[slice, ...]:
    """The index of ``[start:stop]`` along `axis` of an `ndim`-dimensional array."""
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def axis_slice(y: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    """``y[..., start:stop, ...]`` along `axis` (a view)."""
    return y[axis_index(y.ndim, axis, start, stop)]


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


def _overlap_save_blocks(
    x: np.ndarray,
    spectrum: np.ndarray,
    m: int,
    length: int,
    axis: int,
    backend: FFTBackend,
    out: np.ndarray,
    *,
    correlate: bool,
    workers: int,
) -> None:
    """Write to `out` the first ``out.shape[axis]`` 'valid' outputs of `x` along
    `axis`, which holds whole segments: ``(nb - 1) * B + length`` samples, ``B = length
    - m + 1``.

    Segment ``k`` is ``x[kB : kB + length]``, read through a strided view (no copy); its
    circular result holds B valid outputs, at indices ``[m - 1, length)`` for a
    convolution and ``[0, B)`` for a correlation (lag 0 at index 0).
    """
    block = length - m + 1
    nb = (x.shape[axis] - length) // block + 1
    segments = np.lib.stride_tricks.as_strided(  # (..., nb, ..., length)
        x,
        shape=x.shape[:axis] + (nb,) + x.shape[axis + 1 :] + (length,),
        strides=x.strides[:axis]
        + (x.strides[axis] * block,)
        + x.strides[axis + 1 :]
        + (x.strides[axis],),
        writeable=False,
    )
    y, scale = backend.filter(segments, spectrum, [length], [x.ndim], workers)
    start = 0 if correlate else m - 1
    valid = y[..., start : start + block]
    if axis != x.ndim - 1:  # each block's outputs right after its blocks axis
        valid = np.moveaxis(valid, -1, axis + 1)
    count = out.shape[axis]
    if count == nb * block:  # split `out`'s axis into (blocks, block): always a view
        target = out.reshape(out.shape[:axis] + (nb, block) + out.shape[axis + 1 :])
        np.multiply(valid, scale, out=target)
    else:
        merged = np.multiply(valid, scale)
        merged = merged.reshape(merged.shape[:axis] + (nb * block,) + merged.shape[axis + 2 :])
        np.copyto(out, axis_slice(merged, axis, 0, count))


def overlap_save_window(
    x: np.ndarray,
    h: np.ndarray,
    spec: ConvSpec,
    *,
    spectrum: np.ndarray,
    length: int,
    backend: FFTBackend,
    workers: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The mode window of `spec` (one convolved axis) by overlap-save, with the
    kernel's `spectrum` in `stream_kernel_layout` at `length`; `out`: where to write.

    Full-result output ``i`` is the 'valid' output of x's samples ``i - M + 1 ... i``, so
    the window ``[s, s + n)`` reads x from ``s - M + 1`` on, zero outside x. The blocks
    whose segments lie inside x read x itself; only the first and the last ones, which
    reach past its ends, are copied with zeros (one large temporary less per call).
    """
    (axis,) = spec.axes
    m, size = h.shape[axis], x.shape[axis]
    start, count = spec.starts[axis], spec.out_shape[axis]
    block = length - m + 1
    nb = -(-count // block)
    if out is None:
        out = np.empty(spec.out_shape, dtype=x.dtype)
    lo = start - (m - 1)  # x index of segment 0's first sample
    # Blocks [inner, outer) have segments inside x and whole blocks of outputs.
    inner = min(nb, -(-max(-lo, 0) // block))
    outer = max(
        inner, min(nb if nb * block == count else nb - 1, (size - length - lo) // block + 1)
    )
    correlate = spec.kind == "correlate"
    for first, stop in ((0, inner), (inner, outer), (outer, nb)):
        if first == stop:
            continue
        a, b = lo + first * block, lo + (stop - 1) * block + length
        data = axis_slice(x, axis, max(a, 0), min(b, size))
        if a < 0 or b > size:
            data = zero_extended(data, axis, max(-a, 0), max(b - size, 0))
        target = axis_slice(out, axis, first * block, min(stop * block, count))
        # One thread for a single segment: FFTW's threaded plan of one small transform
        # may round differently (seen at 384 points), which would make the result
        # depend on `workers`; batches split by segment, bit for bit.
        threads = workers if stop - first > 1 else 1
        _overlap_save_blocks(
            data, spectrum, m, length, axis, backend, target, correlate=correlate, workers=threads
        )
    return out


def stream_kernel_layout(h: np.ndarray, axis: int) -> np.ndarray:
    """The kernel in `overlap_save`'s layout: time axis last, a length-1 axis in its place."""
    if axis == h.ndim - 1:
        return h.reshape(h.shape[:-1] + (1, h.shape[-1]))
    return np.expand_dims(np.moveaxis(h, axis, -1), axis)


def zero_extended(x: np.ndarray, axis: int, before: int, after: int) -> np.ndarray:
    """`x` with `before` and `after` zeros along `axis` (np.pad's result, minus ~10 us
    of its argument handling, which matters on the small calls)."""
    shape = list(x.shape)
    shape[axis] += before + after
    out = np.zeros(shape, dtype=x.dtype)
    out[axis_index(out.ndim, axis, before, before + x.shape[axis])] = x
    return out
