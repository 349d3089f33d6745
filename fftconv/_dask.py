"""Dask arrays in `convolve` and `correlate`: the in-memory call, made lazy and blockwise.

`_api._operate` sends a call here when either input is a ``dask.array.Array`` (dask is
then necessarily installed: the optional extra ``fftconv[dask]``). The result is a lazy
dask array equal to the in-memory result: exact for integers, within SPEC.md §4 for floats.

The algorithm (derived in docs/design.rst, "Dask arrays"): along a convolved axis with
lengths N (in1) and M (in2) and mode window ``[start, start + length)`` of the full
result, ``out[i] = full[start + i]`` is the ``valid`` convolution of in1 zero-padded with
``P = M - 1 - start`` samples in front and ``length + M - 1 - N - P`` behind (neither is
ever negative). Its output ``i`` reads in1's samples ``i - P ... i + start`` only, so the
outputs at in1's chunk ``j`` are the ``valid`` convolution of that chunk widened by ``P``
samples of its left neighbour and ``start`` of its right one (zeros past the ends): the
result has in1's chunks, the last one ``length - N`` longer. Every block computes only
outputs of the mode window, each a complete sum: an integer block overflows exactly when
the in-memory result would, and a NaN reaches exactly the outputs whose window covers it.
"""

from __future__ import annotations

import functools
from typing import Any, cast

import numpy as np

from ._api import _operate
from ._backends import BackendName, resolve_backend
from ._boundary import NUMPY_PAD, fill_value, resolve_boundary
from ._method import resolve_workers
from ._nanpolicy import NAN_POLICIES, NanPolicy
from ._spec import KINDS, METHODS, MODES, Kind, Method, as_input_array, choice, make_spec


def operate(
    kind: Kind,
    in1: object,
    in2: object,
    mode: object,
    method: object,
    axes: object,
    workers: int | None,
    backend: BackendName | None,
    *,
    boundary: object = "fill",
    fillvalue: object = 0,
    nan_policy: object = "propagate",
) -> Any:
    """`convolve`/`correlate` when `in1` or `in2` is a dask array: a lazy dask array.

    Validation runs now, on stand-ins of the inputs' shapes and dtypes, so that every
    error and its message is the in-memory path's. A dask `in2` (the kernel) is computed
    into memory here: every block needs all of it.
    """
    import dask.array as da  # importable: one of the inputs is a dask array

    choice(kind, "kind", KINDS)
    method = cast(Method, choice(method, "method", METHODS))
    a1 = as_input_array(_stand_in(in1, "in1", da.Array), "in1")
    a2 = as_input_array(_stand_in(in2, "in2", da.Array), "in2")
    if a1.ndim == a2.ndim == 0:  # as the in-memory path: the product of two scalars
        choice(mode, "mode", MODES)
        x0 = in1 if isinstance(in1, da.Array) else da.asarray(a1)
        g0 = _kernel(in2, a2, da.Array)
        return x0 * (g0.conj() if kind == "correlate" else g0)
    spec = make_spec(a1, a2, kind=kind, mode=mode, axes=axes)
    rule = resolve_boundary(boundary)
    policy = choice(nan_policy, "nan_policy", NAN_POLICIES)
    fill, extended_dtype = fill_value(fillvalue, spec)
    # The current backend is a per-thread setting of the caller: fix it now, since the
    # blocks run later, in other threads or processes.
    backend_name = resolve_backend(backend).name
    resolve_workers(workers)  # a bad value fails now, not at compute time
    g = _kernel(in2, a2, da.Array)
    if 0 in spec.out_shape:  # an empty batch axis: nothing to compute
        return da.zeros(spec.out_shape, dtype=spec.result_dtype)

    x = in1 if isinstance(in1, da.Array) else da.asarray(a1)
    if x.dtype != extended_dtype:
        x = x.astype(extended_dtype)
    # Broadcast the non-convolved axes first, so that every block has its kernel slice.
    target = tuple(x.shape[a] if a in spec.axes else spec.out_shape[a] for a in range(spec.ndim))
    if x.shape != target:
        x = da.broadcast_to(x, target)
    pads = [(0, 0)] * spec.ndim
    depth: dict[int, int | tuple[int, int]] = {a: 0 for a in range(spec.ndim)}
    padded_chunks, out_chunks = list(x.chunks), list(x.chunks)
    for a in spec.axes:
        n, m, start, length = x.shape[a], g.shape[a], spec.starts[a], spec.out_shape[a]
        front = m - 1 - start  # zeros in front, and the depth read from the left
        back = length + m - 1 - n - front  # zeros behind; start: the depth to the right
        # The outputs at in1's chunk j read that chunk widened by `front` samples on the
        # left and `start` on the right: an overlap of depth (front, start).
        sizes = _merged_chunks(x.chunks[a], max(front, start), n - length + 1)
        pads[a] = (front, back)
        depth[a] = (front, start)
        if len(sizes) == 1:
            padded_chunks[a] = (front + n + back,)
        else:  # the zeros join the edge chunks (they are no chunks of their own)
            padded_chunks[a] = (front + sizes[0], *sizes[1:-1], sizes[-1] + back)
        out_chunks[a] = (*sizes[:-1], sizes[-1] + length - n)
    if any(p != (0, 0) for p in pads):
        if spec.mode == "valid":
            # Only mode 'valid' with in2 the larger pads here: the zeros past in1's
            # support, not an extension. Under 'omit' they are no samples at all (NaN,
            # missing), as in the in-memory result, which reads in1's support only.
            value = np.nan if policy == "omit" and x.dtype.kind in "fc" else 0
            x = da.pad(x, pads, mode="constant", constant_values=value)
        elif rule == "fill":
            x = da.pad(x, pads, mode="constant", constant_values=fill)
        else:
            x = da.pad(x, pads, mode=NUMPY_PAD[rule])
    x = x.rechunk(tuple(padded_chunks))
    if any(d not in (0, (0, 0)) for d in depth.values()):
        x = da.overlap.overlap(x, depth=depth, boundary="none", allow_rechunk=False)
    varying = tuple(a for a in range(spec.ndim) if a not in spec.axes and g.shape[a] > 1)
    options: dict[str, Any] = {
        "kernel": g,
        "kind": kind,
        "axes": spec.axes,
        "method": method,
        "backend": backend_name,
        "workers": workers,
        "nan_policy": policy,
    }
    if varying:
        block = functools.partial(_block_with_info, varying=varying, **options)
    else:
        block = functools.partial(_block, **options)
    return x.map_blocks(
        block,
        chunks=tuple(out_chunks),
        dtype=spec.result_dtype,
        # meta: dask would otherwise call the function on empty stand-ins to learn it
        meta=np.empty((0,) * spec.ndim, dtype=spec.result_dtype),
    )


def _stand_in(value: object, name: str, array_type: type) -> object:
    """A zero-cost ndarray with the shape and dtype of a dask array, for validation;
    anything else unchanged."""
    if not isinstance(value, array_type):
        return value
    dask_value = cast(Any, value)
    shape = dask_value.shape
    if any(np.isnan(s) for s in shape):
        raise ValueError(
            f"{name} is a dask array of unknown shape {shape}; call "
            f"{name}.compute_chunk_sizes() before convolving it"
        )
    dtype = np.dtype(dask_value.dtype)
    if dtype.kind in "biufc" and not dtype.isnative:
        dtype = dtype.newbyteorder("=")  # blocks are converted one at a time by the engines
    stand_in = np.broadcast_to(np.zeros((), dtype=dtype), shape)
    if isinstance(getattr(dask_value, "_meta", None), np.ma.MaskedArray):
        return np.ma.masked_array(stand_in)  # rejected by as_input_array, as in memory
    return stand_in


def _kernel(in2: object, checked: np.ndarray, array_type: type) -> np.ndarray:
    """`in2` in memory: computed if it is a dask array, else a copy of the checked
    array (the lazy result must not change if the caller later writes to theirs)."""
    if isinstance(in2, array_type):
        return as_input_array(cast(Any, in2).compute(), "in2")
    return np.array(checked, copy=True)


def _merged_chunks(chunks: tuple[int, ...], least: int, last_least: int) -> tuple[int, ...]:
    """in1's chunk sizes along a convolved axis, neighbours merged so that each is at
    least `least` (dask's overlap reads a block's depth from one neighbour) and the last
    at least `last_least` (the result's last chunk is ``length - N`` longer than in1's,
    shorter in mode 'valid'). Empty chunks go: a block must not be empty."""
    merged: list[int] = []
    pending = 0
    for size in chunks:
        pending += size
        if pending and pending >= least:
            merged.append(pending)
            pending = 0
    if pending:  # a short tail, or in1 shorter than `least`
        if merged:
            merged[-1] += pending
        else:
            merged.append(pending)
    while len(merged) > 1 and merged[-1] < last_least:
        merged[-2:] = [merged[-2] + merged[-1]]
    return tuple(merged)


def _block(
    block: np.ndarray,
    *,
    kernel: np.ndarray,
    kind: Kind,
    axes: tuple[int, ...],
    method: Method,
    backend: BackendName,
    workers: int | None,
    nan_policy: NanPolicy,
) -> np.ndarray:
    """The outputs of one chunk: the valid convolution of the chunk and its overlap
    (extended by the boundary rule where it touches an edge)."""
    return _operate(
        kind, block, kernel, "valid", method, axes, workers, backend, nan_policy=nan_policy
    )


def _block_with_info(
    block: np.ndarray,
    *,
    kernel: np.ndarray,
    kind: Kind,
    axes: tuple[int, ...],
    method: Method,
    backend: BackendName,
    workers: int | None,
    nan_policy: NanPolicy,
    varying: tuple[int, ...],
    block_info: dict[Any, Any] | None = None,
) -> np.ndarray:
    """`_block` for a kernel that varies along non-convolved axes: each block takes the
    kernel's slice at its own location (dask passes `block_info` only to functions that
    ask for it, and building it costs time per block)."""
    # Non-convolved axes have no overlap, so the location is the output's location.
    location = cast(dict[Any, Any], block_info)[0]["array-location"]
    kernel = kernel[
        tuple(slice(*location[a]) if a in varying else slice(None) for a in range(block.ndim))
    ]
    return _block(
        block,
        kernel=kernel,
        kind=kind,
        axes=axes,
        method=method,
        backend=backend,
        workers=workers,
        nan_policy=nan_policy,
    )
