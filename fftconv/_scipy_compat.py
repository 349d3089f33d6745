"""Drop-ins for scipy.signal's convolution functions: same signatures, results, dtypes.

Differences from scipy.signal, all deliberate (SPEC.md): integer results never wrap
(`OverflowError` instead), inputs empty along a convolved axis raise `ValueError` instead
of returning ``array([])``, and NaN/inf never spread beyond the outputs they touch.
"""

from __future__ import annotations

import timeit
from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from ._api import _operate
from ._backends import resolve_backend
from ._dispatch import choose, run
from ._spec import Kind, Mode, as_input_array, choice, make_spec

Boundary = Literal["fill", "wrap", "symm", "circular", "symmetric"]
# scipy.signal's boundary names for convolve2d/correlate2d (fc.convolve takes more).
_BOUNDARY_NAMES = ("fill", "pad", "wrap", "circular", "symm", "symmetric")


def _float_result(in1: np.ndarray, in2: np.ndarray) -> np.dtype:
    """scipy's FFT result dtype: each input is first made floating on its own (bool and
    integers to float64, float16 to float32, as scipy.fft does), then they combine."""

    def floating(dtype: np.dtype) -> np.dtype:
        if dtype.kind in "biu":
            return np.dtype(np.float64)
        return np.result_type(dtype, np.float32)

    return np.result_type(floating(in1.dtype), floating(in2.dtype))


def _fft_dropin(
    in1: ArrayLike, in2: ArrayLike, mode: Mode, axes: object, method: str
) -> np.ndarray:
    a1 = as_input_array(in1, "in1")
    a2 = as_input_array(in2, "in2")
    if a1.ndim == a2.ndim == 0:
        choice(mode, "mode", ("full", "same", "valid"))
        return a1 * a2
    spec = make_spec(
        a1, a2, kind="convolve", mode=mode, axes=axes, result_dtype=_float_result(a1, a2)
    )
    return run(spec, method, resolve_backend(None), None)


def fftconvolve(
    in1: ArrayLike, in2: ArrayLike, mode: Mode = "full", axes: int | list[int] | None = None
) -> np.ndarray:
    """Convolve two N-dimensional arrays using FFT (drop-in for `scipy.signal.fftconvolve`).

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions.
    mode : {'full', 'same', 'valid'}, optional
        Output window, as in `convolve`.
    axes : int or array_like of ints or None, optional
        Axes to convolve along (default: all); the other axes broadcast.

    Returns
    -------
    numpy.ndarray
        Floating result as scipy's: float64 for integer and bool inputs, float32 for
        float32, complex for complex inputs.

    See Also
    --------
    convolve : The same with a method choice and exact integer results.

    Notes
    -----
    Integer inputs are computed exactly and returned as float64 (scipy rounds through
    float64 arithmetic). NaN and inf affect only the outputs whose window covers them.

    Examples
    --------
    >>> import fftconv as fc
    >>> fc.fftconvolve([1, 2, 3], [1, 1])
    array([1., 3., 5., 3.])
    """
    return _fft_dropin(in1, in2, mode, axes, "fft")


def oaconvolve(
    in1: ArrayLike, in2: ArrayLike, mode: Mode = "full", axes: int | list[int] | None = None
) -> np.ndarray:
    """Convolve by overlap-add (drop-in for `scipy.signal.oaconvolve`).

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions.
    mode : {'full', 'same', 'valid'}, optional
        Output window, as in `convolve`.
    axes : int or array_like of ints or None, optional
        Axes to convolve along (default: all); the other axes broadcast.

    Returns
    -------
    numpy.ndarray
        As `fftconvolve`.

    See Also
    --------
    fftconvolve : One transform of the whole inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> x = np.arange(10.0)
    >>> fc.oaconvolve(x, [1.0, -1.0], mode='valid')
    array([1., 1., 1., 1., 1., 1., 1., 1., 1.])
    """
    return _fft_dropin(in1, in2, mode, axes, "oa")


def choose_conv_method(
    in1: ArrayLike, in2: ArrayLike, mode: Mode = "full", measure: bool = False
) -> str | tuple[str, dict[str, float]]:
    """Find the faster of ``'direct'`` and ``'fft'`` (drop-in for scipy.signal's).

    Parameters
    ----------
    in1, in2 : array_like
        Inputs with the same number of dimensions.
    mode : {'full', 'same', 'valid'}, optional
        Output window.
    measure : bool, optional
        If True, time both methods with `convolve` and return the faster with the times.

    Returns
    -------
    method : {'direct', 'fft'}
        The predicted (or measured) faster method. Integer inputs too large for an exact
        FFT give ``'direct'``.
    times : dict, optional
        Seconds per call of each method; only when `measure` is True.

    See Also
    --------
    choose_method : All methods, including overlap-add, with predicted costs.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.choose_conv_method(np.ones(100_000), np.ones(5_000))
    'fft'
    >>> fc.choose_conv_method(np.ones(100), np.ones(3))
    'direct'
    """
    if measure:
        from ._api import convolve

        times = {}
        for method in ("fft", "direct"):
            timer = timeit.Timer(lambda m=method: convolve(in1, in2, mode, m))  # type: ignore
            # As scipy: enough calls to last ~5 ms per repeat, best of 3.
            number = 1
            while timer.timeit(number) < 5e-4 and number < 10**6:
                number *= 10
            times[method] = min(timer.repeat(3, number)) / number
        return min(times, key=times.__getitem__), times
    spec = make_spec(in1, in2, kind="convolve", mode=mode)
    costs = choose(spec, resolve_backend(None), one_shot=True).costs  # as convolve's auto
    costs = {m: c for m, c in costs.items() if m in ("direct", "fft")}
    return min(costs, key=costs.__getitem__)


def _boundary_2d(
    kind: Kind, in1: ArrayLike, in2: ArrayLike, mode: Mode, boundary: str, fillvalue: object
) -> np.ndarray:
    name = "convolve2d" if kind == "convolve" else "correlate2d"
    a1 = as_input_array(in1, "in1")
    a2 = as_input_array(in2, "in2")
    if not a1.ndim == a2.ndim == 2:
        raise ValueError(
            f"{name} inputs must both be 2-D arrays; got in1.ndim={a1.ndim}, in2.ndim={a2.ndim}"
        )
    choice(boundary, "boundary", tuple(_BOUNDARY_NAMES))
    fill = np.asarray(fillvalue)
    if fill.size != 1:
        raise ValueError(f"fillvalue must be a scalar; got an array of shape {fill.shape}")
    if fill.dtype.kind not in "biufc":  # before numpy's cast fails without naming it
        raise ValueError(
            f"fillvalue must be a numeric scalar; got {fillvalue!r} of type "
            f"{type(fillvalue).__name__}"
        )
    result = np.result_type(a1.dtype, a2.dtype)
    if fill.dtype.kind == "c" and result.kind != "c":
        raise ValueError(
            f"fillvalue={fillvalue!r} is complex but the result dtype is {result}; "
            "scipy.signal refuses to cast it too"
        )
    # As scipy: the value is cast to the result dtype (0.5 fills an integer result with 0).
    value = fill.reshape(()).astype(result)
    if kind == "correlate" and mode == "same" and a2.shape != (1, 1):
        # scipy.signal.correlate2d centres 'same' at M // 2, correlate at (M - 1) // 2.
        full = _operate(kind, a1, a2, "full", "auto", None, None, None, boundary, value)
        window = tuple(slice(m // 2, m // 2 + n) for n, m in zip(a1.shape, a2.shape, strict=True))
        return full[window].copy()
    return _operate(kind, a1, a2, mode, "auto", None, None, None, boundary, value)


def convolve2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode = "full",
    boundary: Boundary = "fill",
    fillvalue: object = 0,
) -> np.ndarray:
    """Convolve two 2-D arrays with a boundary rule (drop-in for scipy.signal's).

    Parameters
    ----------
    in1, in2 : array_like
        2-D inputs.
    mode : {'full', 'same', 'valid'}, optional
        Output window, as in `convolve`.
    boundary : {'fill', 'wrap', 'symm'}, optional
        How `in1` is extended beyond its edges: ``'fill'`` with `fillvalue`, ``'wrap'``
        periodically (alias ``'circular'``), ``'symm'`` mirrored with the edge sample
        repeated (alias ``'symmetric'``).
    fillvalue : scalar, optional
        The value for ``boundary='fill'`` (default 0).

    Returns
    -------
    numpy.ndarray
        Of dtype ``numpy.result_type(in1, in2)``.

    Notes
    -----
    Computed at FFT speed when that is faster (scipy's `convolve2d` is always direct).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> image = np.arange(9.0).reshape(3, 3)
    >>> fc.convolve2d(image, np.ones((1, 2)), mode='same', boundary='wrap')
    array([[ 2.,  1.,  3.],
           [ 8.,  7.,  9.],
           [14., 13., 15.]])
    """
    return _boundary_2d("convolve", in1, in2, mode, boundary, fillvalue)


def correlate2d(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode = "full",
    boundary: Boundary = "fill",
    fillvalue: object = 0,
) -> np.ndarray:
    """Cross-correlate two 2-D arrays with a boundary rule (drop-in for scipy.signal's).

    Parameters
    ----------
    in1, in2 : array_like
        2-D inputs.
    mode : {'full', 'same', 'valid'}, optional
        Output window, as in `correlate`.
    boundary : {'fill', 'wrap', 'symm'}, optional
        As in `convolve2d`.
    fillvalue : scalar, optional
        The value for ``boundary='fill'`` (default 0).

    Returns
    -------
    numpy.ndarray
        Of dtype ``numpy.result_type(in1, in2)``.

    Notes
    -----
    As scipy.signal.correlate2d, mode ``'same'`` is centred at index ``M // 2`` of the
    full result (scipy.signal.correlate centres at ``(M - 1) // 2``; the two differ for
    even kernel sizes). In mode ``'valid'`` with `in2` the larger input and complex
    data, the result is ``flip(conj(correlate2d(in2, in1)))`` as SPEC.md §1 and
    scipy.signal.correlate have it; scipy.signal.correlate2d omits the conjugation.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.correlate2d(np.eye(2, dtype=int), np.array([[1, 2], [3, 4]]))
    array([[4, 3, 0],
           [2, 5, 3],
           [0, 2, 1]])
    """
    return _boundary_2d("correlate", in1, in2, mode, boundary, fillvalue)


def correlation_lags(in1_len: int, in2_len: int, mode: Mode = "full") -> np.ndarray:
    """The lag of each index of a 1-D correlation (drop-in for scipy.signal's).

    Parameters
    ----------
    in1_len, in2_len : int
        Lengths of the first and second input.
    mode : {'full', 'same', 'valid'}, optional
        The mode of the correlation.

    Returns
    -------
    numpy.ndarray
        Integer lags: ``correlate(x, y, mode)[i]`` is the correlation at lag ``lags[i]``.

    Notes
    -----
    The lags are those of the output `correlate` actually returns. scipy.signal's
    ``correlation_lags`` is off by one in ``'same'`` mode when `in1_len` is odd and
    `in2_len` even (e.g. ``(5, 4)``: scipy says -1 ... 3, its own ``correlate`` returns
    lags -2 ... 2); fftconv returns the lags of the data.

    Examples
    --------
    >>> import fftconv as fc
    >>> fc.correlation_lags(5, 3)
    array([-2, -1,  0,  1,  2,  3,  4])
    >>> fc.correlation_lags(5, 3, mode='same')
    array([-1,  0,  1,  2,  3])
    """
    from ._spec import mode_window

    mode = cast(Mode, choice(mode, "mode", ("full", "same", "valid")))
    for name, value in (("in1_len", in1_len), ("in2_len", in2_len)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int; got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1; got {value}")
    start, length = mode_window(int(in1_len), int(in2_len), mode)
    # Full index i holds lag i - (in2_len - 1).
    return np.arange(start, start + length) - (int(in2_len) - 1)
