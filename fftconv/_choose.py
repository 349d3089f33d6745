"""`choose_method`: what ``method='auto'`` will run, and why."""

from __future__ import annotations

from typing import cast

from numpy.typing import ArrayLike

from ._backends import BackendName, resolve_backend
from ._dispatch import Choice, choose
from ._separable import split_choice
from ._spec import KINDS, Kind, Method, Mode, choice, make_spec


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
        ``.method`` is ``'direct'``, ``'fft'``, ``'oa'`` or ``'separable'`` (the kernel is
        an outer product of 1-D kernels and one pass per axis is predicted cheapest, as
        `sepconvolve` runs it; this one depends on the kernel's values); ``.costs`` maps
        every candidate to its predicted time in nanoseconds (methods that cannot be
        exact for the given integers are left out).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> fc.choose_method(np.ones(1000), np.ones(3)).method
    'direct'
    >>> fc.choose_method(np.ones(1_000_000), np.ones(4095)).method
    'oa'
    >>> g = np.exp(-0.5 * (np.arange(-7, 8) / 2.5) ** 2)
    >>> fc.choose_method(np.ones((1024, 1024)), np.outer(g, g), 'same').method
    'separable'
    """
    kind = choice(kind, "kind", KINDS)
    spec = make_spec(in1, in2, kind=kind, mode=mode, axes=axes)
    resolved = resolve_backend(backend)
    found = choose(spec, resolved, one_shot=True)
    split = split_choice(spec, resolved, 1) if spec.in2.ndim >= 2 else None
    if split is None:
        return found
    return Choice(cast(Method, "separable"), {**found.costs, "separable": split[1]})
