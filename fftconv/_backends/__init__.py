"""FFT backends behind one small protocol, and the per-context choice of backend.

A backend computes the FFT engines' whole spectral product in one call,
`FFTBackend.circular_convolve` (or `FFTBackend.filter` with a kernel spectrum computed
once by `FFTBackend.spectrum`), so that it can keep its buffers and plans between calls
(pyfftw does); `TransformProduct` builds them from transforms for the others. Backends are
created lazily, so ``import fftconv`` does not import pyfftw, and a missing pyfftw is
noticed (and warned about once) on first use.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol, cast

import numpy as np

from .._spec import choice

BackendName = Literal["pyfftw", "scipy", "numpy"]
BACKENDS: tuple[BackendName, ...] = ("pyfftw", "scipy", "numpy")


class FFTBackend(Protocol):
    """What an FFT library must provide to fftconv."""

    @property
    def name(self) -> BackendName:
        """The backend's name in the registry."""
        ...

    def next_fast_len(
        self, n: int, real: bool, ndim: int = 1, dtype: np.dtype | None = None
    ) -> int:
        """The length >= n to pad n samples to along one axis of an `ndim`-axis
        transform of `dtype` (the inputs' compute dtype, where known): one this library
        transforms fast."""
        ...

    def is_fast_len(self, n: int, real: bool) -> bool:
        """Whether this library transforms n points fast (for a period that cannot be
        padded, as the circular transform of the ``wrap`` boundary)."""
        ...

    def circular_convolve(
        self,
        x: np.ndarray,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> tuple[np.ndarray, float]:
        """Circular convolution of `x` and `h` (same dtype, both real or both complex)
        with period `lengths` along `axes`; other axes broadcast. With `conjugate`, the
        circular correlation: the inverse transform of ``X * conj(H)``.

        Returns ``(y, scale)``: the result is ``y * scale`` (a backend may leave the
        inverse transform unnormalised so that the caller folds the scale into the copy
        it makes anyway). `y` may be a buffer that the backend reuses on the next call
        from the same thread: read it before calling again, never return it to a user.
        """
        ...

    def spectrum(
        self,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> np.ndarray:
        """The transform of `h` zero-padded to `lengths` (conjugated with `conjugate`),
        in the layout `filter` takes: a new array the caller owns."""
        ...

    def filter(
        self,
        x: np.ndarray,
        spectrum: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
    ) -> tuple[np.ndarray, float]:
        """`circular_convolve` with the kernel's `spectrum` already computed (by
        `spectrum`, with the same lengths and axes); returns ``(y, scale)`` the same way.
        Safe to call from several threads at once with the same `spectrum`."""
        ...


class TransformProduct(abc.ABC):
    """The spectral products of `FFTBackend` from four transforms (for backends without
    reusable buffers): transform both, multiply, invert; the result is a new array.

    Each transform returns a new array the caller owns; the inverses may overwrite their
    input (only temporaries are passed).
    """

    @abc.abstractmethod
    def next_fast_len(
        self, n: int, real: bool, ndim: int = 1, dtype: np.dtype | None = None
    ) -> int:
        """The smallest length >= n that the library transforms fast."""

    def is_fast_len(self, n: int, real: bool) -> bool:
        return self.next_fast_len(n, real) == n

    @abc.abstractmethod
    def rfftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        """Real-to-complex transform of `x` zero-padded to `lengths` along `axes`."""

    @abc.abstractmethod
    def irfftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        """Normalised inverse of `rfftn`; may overwrite `spectrum`."""

    @abc.abstractmethod
    def fftn(
        self, x: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        """Complex transform of complex `x` zero-padded to `lengths` along `axes`."""

    @abc.abstractmethod
    def ifftn(
        self, spectrum: np.ndarray, lengths: Sequence[int], axes: Sequence[int], workers: int
    ) -> np.ndarray:
        """Normalised inverse of `fftn`; may overwrite `spectrum`."""

    def circular_convolve(
        self,
        x: np.ndarray,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> tuple[np.ndarray, float]:
        return self.filter(
            x, self.spectrum(h, lengths, axes, workers, conjugate), lengths, axes, workers
        )

    def spectrum(
        self,
        h: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
        conjugate: bool = False,
    ) -> np.ndarray:
        forward = self.rfftn if h.dtype.kind != "c" else self.fftn
        hs = forward(h, lengths, axes, workers)
        return np.conjugate(hs, out=hs) if conjugate else hs

    def filter(
        self,
        x: np.ndarray,
        spectrum: np.ndarray,
        lengths: Sequence[int],
        axes: Sequence[int],
        workers: int,
    ) -> tuple[np.ndarray, float]:
        real = x.dtype.kind != "c"
        forward = self.rfftn if real else self.fftn
        inverse = self.irfftn if real else self.ifftn
        xs = forward(x, lengths, axes, workers)
        # Multiply in place when x's spectrum already has the broadcast shape (it is a
        # temporary; `spectrum` may be shared and is never written).
        out = xs if xs.shape == np.broadcast_shapes(xs.shape, spectrum.shape) else None
        product = np.multiply(xs, spectrum, out=out)
        return inverse(product, lengths, axes, workers), 1.0


def _make_pyfftw() -> FFTBackend:
    from ._pyfftw import PyFFTWBackend

    return PyFFTWBackend()


def _make_scipy() -> FFTBackend:
    from ._scipy import ScipyBackend

    return ScipyBackend()


def _make_numpy() -> FFTBackend:
    from ._numpy import NumpyBackend

    return NumpyBackend()


_FACTORIES: dict[BackendName, Callable[[], FFTBackend]] = {
    "pyfftw": _make_pyfftw,
    "scipy": _make_scipy,
    "numpy": _make_numpy,
}
_instances: dict[BackendName, FFTBackend] = {}
_instances_lock = threading.Lock()

# None means "the default": pyfftw, or scipy when pyfftw cannot be imported.
_current: contextvars.ContextVar[BackendName | None] = contextvars.ContextVar(
    "fftconv_backend", default=None
)
_default_name: BackendName | None = None


def _instance(name: BackendName) -> FFTBackend:
    with _instances_lock:
        backend = _instances.get(name)
        if backend is None:
            backend = _instances[name] = _FACTORIES[name]()
        return backend


def _default() -> BackendName:
    """pyfftw if it imports, else scipy (warning once per process)."""
    global _default_name
    if _default_name is None:
        try:
            _instance("pyfftw")
            _default_name = "pyfftw"
        except ImportError as exc:
            warnings.warn(
                f"pyfftw could not be imported ({exc}); fftconv falls back to the scipy.fft "
                "backend. Install pyfftw for FFTW speed.",
                RuntimeWarning,
                stacklevel=4,
            )
            _default_name = "scipy"
    return _default_name


def get_backend() -> BackendName:
    """Return the name of the FFT backend in use in this context.

    Returns
    -------
    str
        ``'pyfftw'`` (the default), ``'scipy'`` or ``'numpy'``. If pyfftw cannot be
        imported the default is ``'scipy'`` (with a one-time `RuntimeWarning`).

    See Also
    --------
    set_backend : Choose the backend for a block of code.

    Examples
    --------
    >>> import fftconv as fc
    >>> fc.get_backend()
    'pyfftw'
    >>> with fc.set_backend('numpy'):
    ...     fc.get_backend()
    'numpy'
    """
    return _current.get() or _default()


@contextlib.contextmanager
def set_backend(name: BackendName) -> Iterator[None]:
    """Context manager that selects the FFT backend for the code inside it.

    The previous backend is restored on exit, also when the block raises. The choice is
    held in a `contextvars.ContextVar`, so it is private to the current thread (and asyncio
    task): other threads keep their own backend.

    Parameters
    ----------
    name : {'pyfftw', 'scipy', 'numpy'}
        ``'pyfftw'``: FFTW through pyfftw, plans cached per thread (the default).
        ``'scipy'``: `scipy.fft` (pocketfft, multithreaded with ``workers``).
        ``'numpy'``: `numpy.fft` (single-threaded; ``workers`` is ignored).

    Raises
    ------
    ValueError
        If `name` is not one of the backends above.
    ImportError
        If `name` is ``'pyfftw'`` and pyfftw cannot be imported.

    See Also
    --------
    get_backend : The backend in use.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> with fc.set_backend('scipy'):
    ...     fc.convolve([1.0, 2.0, 3.0], [1.0, 1.0], method='fft')
    array([1., 3., 5., 3.])
    """
    backend_name = cast(BackendName, choice(name, "backend", BACKENDS))
    _instance(backend_name)  # fail here, not inside the block, if it cannot be imported
    token = _current.set(backend_name)
    try:
        yield
    finally:
        _current.reset(token)


def resolve_backend(name: object) -> FFTBackend:
    """The backend object for a per-call ``backend=`` argument (None: the current one)."""
    if name is None:
        return _instance(get_backend())
    return _instance(cast(BackendName, choice(name, "backend", BACKENDS)))
