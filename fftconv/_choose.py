"""`choose_method`: what ``method='auto'`` will run, and why."""

from __future__ import annotations

from numpy.typing import ArrayLike

from ._backends import BackendName, resolve_backend
from ._dispatch import Choice, choose
from ._spec import KINDS, Kind, Mode, choice, make_spec


def choose_method(
    in1: ArrayLike,
    in2: ArrayLike,
    mode: Mode = "full",
    *,
    kind: Kind = "convolve",
    axes: int | tuple[int, ...] | list[int] | None = None,
    backend: BackendName | None = None,
) -> Choice:
    """The method ``method='auto'`` picks for these inputs, with every predicted cost.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs of the call (only shapes and dtypes matter, except for integer inputs
        whose magnitudes decide whether an FFT can be exact).
    mode : {'full', 'same', 'valid'}, optional
        The output window.
    kind : {'convolve', 'correlate'}, optional
        The operation.
    axes : int or sequence of int, optional
        The convolved axes (default: all).
    backend : {'pyfftw', 'scipy', 'numpy'}, optional
        The FFT backend the call would use (default: the current one).

    Returns
    -------
    Choice
        ``.method`` is ``'direct'``, ``'fft'`` or ``'oa'``; ``.costs`` maps every
        candidate method to its predicted time in nanoseconds (methods that cannot be
        exact for the given integers are left out).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.choose_method(np.ones(1000), np.ones(3)).method
    'direct'
    >>> fc.choose_method(np.ones(1_000_000), np.ones(4095)).method
    'oa'
    """
    kind = choice(kind, "kind", KINDS)
    spec = make_spec(in1, in2, kind=kind, mode=mode, axes=axes)
    return choose(spec, resolve_backend(backend))
