"""`convolve` and `correlate`: the library's two operations."""

from __future__ import annotations

import dataclasses
import sys
import threading
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from . import _profile
from ._backends import BackendName, FFTBackend, get_backend, resolve_backend
from ._boundary import Boundary, circular, extend, fill_value, resolve_boundary
from ._dispatch import Prepared, prepare, run
from ._method import resolve_workers
from ._nanpolicy import NAN_POLICIES, NanPolicy, check_finite, omit
from ._separable import may_split, run_split, separable_factors, split_shape, try_separable
from ._spec import (
    KINDS,
    METHODS,
    ConvSpec,
    Kind,
    Method,
    Mode,
    as_input_array,
    choice,
    make_spec,
)


def _operate(
    kind: Kind,
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode,
    method: Method,
    axes: int | tuple[int, ...] | list[int] | None,
    workers: int | None,
    backend: BackendName | None,
    boundary: str = "fill",
    fillvalue: object = 0,
    nan_policy: NanPolicy = "propagate",
) -> np.ndarray:
    # The plain linear operation (the defaults of the three options) is remembered.
    plain = (
        boundary == "fill"
        and nan_policy == "propagate"
        and type(fillvalue) is int
        and fillvalue == 0
    )
    # A kernel that may be an outer product is looked at on every call: the memo knows
    # shapes, and whether the kernel splits into 1-D passes depends on its values.
    split = method == "auto" and may_split(in1, in2)
    key = _memo_key(kind, in1, in2, mode, method, axes, workers, backend) if plain else None
    if key is not None:
        prepared = _PREPARED.get(key)
        if prepared is not None:
            x, h = cast(np.ndarray, in1), cast(np.ndarray, in2)
            if prepared.split is None:
                return prepared(x, h)
            split_axes, split_dtype = prepared.split
            factors = separable_factors(h, split_axes, dtype=split_dtype)
            if factors is None:
                return prepared(x, h)
            # Separable, on shapes where splitting pays: the passes straight away.
            spec = prepared.spec.with_inputs(x, h)
            split_factors = dict(zip(split_axes, factors, strict=True))
            out = run_split(spec, split_factors, prepared.backend, prepared.threads)
            return prepared(x, h) if out is None else out
    # Dask arrays: a lazy blockwise result. dask.array is looked up, never imported
    # here (a NumPy call pays a dict lookup and at most two isinstance checks, ~0.1 us).
    dask_array = sys.modules.get("dask.array")
    if dask_array is not None and (
        isinstance(in1, dask_array.Array) or isinstance(in2, dask_array.Array)
    ):
        from ._dask import operate

        return cast(
            np.ndarray,
            operate(
                kind, in1, in2, mode, method, axes, workers, backend,
                boundary=boundary, fillvalue=fillvalue, nan_policy=nan_policy,
            ),
        )  # fmt: skip
    choice(kind, "kind", KINDS)
    method = cast(Method, choice(method, "method", METHODS))
    if not plain:
        rule = resolve_boundary(boundary)
        nan_policy = cast(NanPolicy, choice(nan_policy, "nan_policy", NAN_POLICIES))
    a1 = as_input_array(in1, "in1")
    a2 = as_input_array(in2, "in2")
    if a1.ndim == a2.ndim == 0:
        # As scipy.signal: the product of two scalars, here computed as one-sample
        # signals so that it is exact, never wraps and follows nan_policy like any call.
        one = _operate(
            kind, a1.reshape(1), a2.reshape(1), mode, method, None, workers, backend,
            boundary, fillvalue, nan_policy,
        )  # fmt: skip
        return cast(np.ndarray, one[0])
    spec = make_spec(a1, a2, kind=kind, mode=mode, axes=axes)
    resolved = resolve_backend(backend)
    if not plain:
        return _with_options(spec, method, resolved, workers, rule, fillvalue, nan_policy)
    split_check = out = None
    if split:
        out = try_separable(spec, resolved, workers)
        # Remembered with the axes whose kernel values a later call must check first
        # (~40 us), when splitting such shapes pays; a separable kernel's later calls
        # then go straight to the passes.
        split_check = split_shape(spec, resolved, workers)
    if spec.is_integer:  # exactness depends on the values: nothing to remember
        return run(spec, method, resolved, workers)
    try:
        prepared = prepare(spec, method, resolved, workers)
    except MemoryError:
        if out is None:
            raise
        return out  # split, though the unsplit plan would not fit: nothing to remember
    if split_check is not None:
        prepared = dataclasses.replace(prepared, split=split_check)
    if key is not None and a1 is in1 and a2 is in2:  # native numeric ndarrays
        with _PREPARED_LOCK:
            _PREPARED[key] = prepared
            while len(_PREPARED) > _PREPARED_MAX:
                del _PREPARED[next(iter(_PREPARED))]  # the oldest
    return prepared.run(spec) if out is None else out


def _with_options(
    spec: ConvSpec,
    method: Method,
    backend: FFTBackend,
    workers: int | None,
    rule: Boundary,
    fillvalue: object,
    nan_policy: NanPolicy,
) -> np.ndarray:
    """`spec` with a boundary rule other than zero fill, or a NaN policy other than
    'propagate': the input extended by the rule, then the plain operation or the
    normalised one (`_nanpolicy`)."""
    fill, dtype = fill_value(fillvalue, spec)
    if spec.mode == "valid":  # never reaches the extension (nor does scipy's)
        rule, fill = "fill", np.zeros((), dtype)
    if nan_policy == "raise":
        check_finite(spec.in1, "in1")
        check_finite(spec.in2, "in2")
    if rule == "fill" and not fill.any() and nan_policy != "omit":
        return run(spec, method, backend, workers)
    if rule == "wrap" and nan_policy != "omit" and method in ("auto", "fft"):
        # The circular transform, when the extended call would also use a transform.
        if (
            method == "fft"
            or prepare(
                extend(spec, rule, fill, dtype, values=False), "auto", backend, workers
            ).method
            != "direct"
        ):
            out = circular(spec, backend, resolve_workers(workers))
            if out is not None:
                return out
    extended = extend(spec, rule, fill, dtype)
    if nan_policy == "omit":

        def operate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            inner = make_spec(a, b, kind=extended.kind, mode=extended.mode, axes=extended.axes)
            return run(inner, method, backend, workers)

        return omit(extended.in1, extended.in2, kind=spec.kind, axes=spec.axes, operate=operate)
    if method == "auto" and may_split(extended.in1, extended.in2):
        out = try_separable(extended, backend, workers)
        if out is not None:
            return out
    return run(extended, method, backend, workers)


def _memo_key(
    kind: str,
    in1: object,
    in2: object,
    mode: object,
    method: object,
    axes: object,
    workers: object,
    backend: object,
) -> tuple[object, ...] | None:
    """The key of a call in `_PREPARED`, or None for calls that are not remembered:
    other inputs than ndarrays, and options other than plain ints, strings and None
    (True == 1 and 1.0 == 1 as keys, but they are errors as `workers` or `axes`)."""
    if not (type(in1) is np.ndarray and type(in2) is np.ndarray):
        return None
    if not (workers is None or type(workers) is int):
        return None
    if not (
        axes is None
        or type(axes) is int
        or (type(axes) is tuple and all(type(a) is int for a in axes))
    ):
        return None
    if not (
        type(mode) is str and type(method) is str and (backend is None or type(backend) is str)
    ):
        return None
    generation = _profile.generation()
    return (
        kind,
        in1.shape,
        in2.shape,
        in1.dtype,
        in2.dtype,
        mode,
        method,
        axes,
        workers,
        backend or get_backend(),
        generation,
    )


# Prepared floating-point calls by (kind, shapes, dtypes and the arguments as given, the
# backend in use, the cost model's generation): a repeated call skips validation and the
# method choice. Only plain ndarrays of native numeric dtypes are remembered, so a hit
# needs no checks (the key holds their shapes and dtypes; the options were validated).
_PREPARED: dict[tuple[object, ...], Prepared] = {}
_PREPARED_MAX = 512
_PREPARED_LOCK = threading.Lock()


def convolve(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode = "full",
    method: Method = "auto",
    *,
    axes: int | tuple[int, ...] | list[int] | None = None,
    workers: int | None = None,
    backend: BackendName | None = None,
    boundary: str = "fill",
    fillvalue: object = 0,
    nan_policy: NanPolicy = "propagate",
) -> np.ndarray:
    """Convolve two N-dimensional arrays.

    ``out[n] = sum_m in1[m] * in2[n - m]`` along each convolved axis (SPEC.md §1), with
    the output window chosen by `mode`. A drop-in for `scipy.signal.convolve` (same
    arguments, results and result dtype) that adds `axes`, `workers` and `backend`.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions. bool, integer, float or complex.
    mode : {'full', 'same', 'valid'}, optional
        ``'full'``: every overlap, ``N + M - 1`` samples per axis (default).
        ``'same'``: the shape of `in1`, centred on the full result as in scipy.signal.
        ``'valid'``: only full overlaps, ``abs(N - M) + 1`` per axis; one input must be
        at least as large as the other along every convolved axis.
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        ``'direct'``: the sliding sum of products. ``'fft'``: one padded transform of
        each input. ``'oa'``: overlap-add, `in1` cut into blocks along every convolved
        axis where that is cheaper. ``'auto'`` (default): the fastest by the cost model.
        All methods return the same result to within SPEC.md §4's precision.
    axes : int or sequence of int, optional
        Axes to convolve along (default: all). The other axes broadcast, as in
        `scipy.signal.fftconvolve`, so a batch of signals is one call.
    workers : int, optional
        FFT threads. Default None: one (on the project's 2-core machine two threads
        were as often slower as faster through the whole FFT path). Negative values
        count back from the number of cores (-1: all).
    backend : {'pyfftw', 'scipy', 'numpy'}, optional
        FFT library for this call. Default None: the current one (`get_backend`).
    boundary : {'fill', 'wrap', 'symm', 'mirror', 'edge'}, optional
        How `in1` continues past its edges along the convolved axes; the result is the
        linear convolution of the extended input, cropped to `mode` in the original
        coordinates (``'valid'`` never reaches the extension). ``'fill'`` (default):
        `fillvalue`; ``'wrap'``: periodic; ``'symm'``: edge sample repeated (d c b a |
        a b c d); ``'mirror'``: edge not repeated (d c b | a b c d); ``'edge'``: the edge
        sample (a a a | a b c d). scipy's names are accepted where unambiguous:
        ``'pad'``, ``'constant'``, ``'grid-constant'``, ``'circular'``, ``'grid-wrap'``,
        ``'symmetric'``, ``'grid-mirror'``, ``'nearest'``. ``'reflect'`` is a
        `ValueError` (numpy.pad and scipy.ndimage mean different rules by it).
    fillvalue : scalar, optional
        The value of ``boundary='fill'`` (default 0), cast exactly to the result dtype.
    nan_policy : {'propagate', 'raise', 'omit'}, optional
        ``'propagate'`` (default): a NaN or inf affects exactly the outputs whose window
        covers it. ``'raise'``: `ValueError` if an input holds a non-finite value.
        ``'omit'``: NaNs of `in1` are missing samples (normalised convolution): each
        output is the kernel-weighted sum over the present samples of its window,
        rescaled by ``sum(kernel) / (kernel weight on present samples)``; NaN where the
        window holds no present sample, or its present samples carry no kernel weight.

    Returns
    -------
    numpy.ndarray
        The convolution, of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    ValueError
        Unknown `mode`, `method` or `backend`; bad `axes`; inputs of different ndim or
        whose non-convolved axes do not broadcast; an input empty along a convolved
        axis; ``mode='valid'`` with neither input the larger along every axis.
    TypeError
        Non-numeric inputs (object, string, datetime) or masked arrays; non-integer axes.
    OverflowError
        An integer result does not fit its dtype (never wrapped silently).

    See Also
    --------
    correlate : Cross-correlation.
    choose_method : What ``method='auto'`` picks, with the predicted costs.

    Notes
    -----
    **Exactness.** Integer and boolean inputs give exact results in every method: the
    FFT paths compute in float64 and round only when the error bound guarantees the
    right integer; otherwise the exact direct sum runs (in int64, uint64 or Python
    integers as the magnitude requires). A result that does not fit the result dtype
    raises `OverflowError` naming a dtype to cast to; scipy.signal wraps silently.
    A boolean result is True where at least one product in the window is True.

    **Precision.** float32 and complex64 inputs are computed in single precision,
    float16 in single precision and returned as float16. FFT results agree with the
    direct sum within ``eps * log2(size) * ||in1|| * ||in2||`` (a norm-wise bound).

    **Non-finite values** affect exactly the outputs whose window covers them, in every
    method, as in the direct sum (the FFT methods do not smear a NaN over the output).

    **Complexity.** direct: ``O(N M)`` multiply-adds; fft: ``O(L log L)`` with ``L``
    the padded size of ``N + M - 1``; overlap-add: ``O(N log B)`` for blocks of ``B``.

    Inputs are never modified. Empty batch axes give an empty result; 0-d inputs give
    ``in1 * in2``.

    **Dask arrays.** If `in1` or `in2` is a ``dask.array.Array`` the result is a lazy
    dask array equal to the in-memory result (exact for integers; an overflow raises
    at compute time), for every mode and with `in1` chunked along any axes: each chunk,
    widened by ``M - 1`` samples of its neighbours along each convolved axis, is
    convolved by this function with `method`, `workers` and `backend`; the result has
    `in1`'s chunks, the last one resized to the mode's length. A dask `in2` (the
    kernel) is computed into memory at the call. Needs ``pip install 'fftconv[dask]'``.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])

    A unit impulse reproduces the kernel:

    >>> fc.convolve([0, 1, 0, 0], [3, 2, 1], mode='same')
    array([3, 2, 1, 0])

    A batch of signals in one call, along the last axis:

    >>> fc.convolve(np.ones((2, 4)), np.array([[1.0, -1.0]]), axes=-1)
    array([[ 1.,  0.,  0.,  0., -1.],
           [ 1.,  0.,  0.,  0., -1.]])

    A dask array gives a lazy dask array with the same chunks (``fftconv[dask]``):

    >>> import dask.array as da
    >>> lazy = fc.convolve(da.ones(10, chunks=4), [1.0, 1.0], mode='same')
    >>> lazy.chunks
    ((4, 4, 2),)
    >>> lazy.compute()
    array([1., 2., 2., 2., 2., 2., 2., 2., 2., 2.])
    """
    return _operate(
        "convolve", in1, in2, mode, method, axes, workers, backend, boundary, fillvalue, nan_policy
    )


def correlate(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode = "full",
    method: Method = "auto",
    *,
    axes: int | tuple[int, ...] | list[int] | None = None,
    workers: int | None = None,
    backend: BackendName | None = None,
    boundary: str = "fill",
    fillvalue: object = 0,
    nan_policy: NanPolicy = "propagate",
) -> np.ndarray:
    """Cross-correlate two N-dimensional arrays.

    ``out[k] = sum_n in1[n + k] * conj(in2[n])`` for lags ``k = -(M-1) ... N-1`` in mode
    ``'full'`` (SPEC.md §1; numpy's, scipy's and MATLAB's convention). Output index
    ``i`` holds lag ``correlation_lags(N, M, mode)[i]``. A drop-in for
    `scipy.signal.correlate` that adds `axes`, `workers` and `backend`.

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions. bool, integer, float or complex.
    mode : {'full', 'same', 'valid'}, optional
        As in `convolve`. In ``'valid'`` mode with `in2` the larger input, the result
        holds the negative lags (as scipy.signal).
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        As in `convolve`. The FFT methods multiply by the conjugated spectrum of `in2`.
    axes : int or sequence of int, optional
        Axes to correlate along (default: all); the other axes broadcast.
    workers : int, optional
        FFT threads, as in `convolve`.
    backend : {'pyfftw', 'scipy', 'numpy'}, optional
        FFT library for this call. Default None: the current one.
    boundary : {'fill', 'wrap', 'symm', 'mirror', 'edge'}, optional
        How `in1` continues past its edges, as in `convolve`.
    fillvalue : scalar, optional
        The value of ``boundary='fill'`` (default 0).
    nan_policy : {'propagate', 'raise', 'omit'}, optional
        Non-finite inputs, as in `convolve` (the window of a lag is the kernel's span).

    Returns
    -------
    numpy.ndarray
        The correlation, of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    ValueError, TypeError, OverflowError
        As `convolve`.

    See Also
    --------
    convolve : Convolution (correlation with the kernel flipped and conjugated).
    correlation_lags : The lag of each output index.

    Notes
    -----
    Correlation is convolution with `in2` rotated by 180 degrees and conjugated;
    ``correlate(x, h) == flip(conj(correlate(h, x)))``. Deep-learning "convolution"
    layers compute this correlation. Zero lag is at index ``M - 1`` of the full result.
    Exactness, precision, non-finite values, complexity and dask arrays are as in
    `convolve`.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.correlate([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    >>> fc.correlation_lags(3, 3)
    array([-2, -1,  0,  1,  2])

    Correlating an impulse gives the kernel rotated by 180 degrees:

    >>> fc.correlate([0, 1, 0, 0], [3, 2, 1], mode='same')
    array([1, 2, 3, 0])
    """
    return _operate(
        "correlate", in1, in2, mode, method, axes, workers, backend, boundary, fillvalue, nan_policy
    )
