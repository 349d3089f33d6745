"""FFTW wisdom, opt-in: measure plans once, save them, reload them in later processes.

fftconv plans with ``FFTW_ESTIMATE`` by default, because a measured plan costs 0.3-8.5 s
per size here, which a one-shot call must never pay. ESTIMATE plans are within a few
percent of measured ones for most lengths, but not all (complex N-D transforms and some
2-D float32 sizes were 1.3-10x slower than scipy.fft's). A program that convolves the same
shapes again and again can pay for measured plans once:

1. inside ``with fc.fftw_effort('measure'):`` the FFT methods measure the plans they
   make (FFTW keeps what it learns: its *wisdom*);
2. `save_wisdom` writes that wisdom to the user cache directory (the calibration
   profile's directory, ``$FFTCONV_CACHE_DIR`` overrides it);
3. `load_wisdom` in a later process reloads it; FFTW then uses it for every plan of the
   same problem, also with ``FFTW_ESTIMATE`` ("any available wisdom is used", FFTW
   manual, Planner Flags).

Nothing is loaded unless `load_wisdom` is called. Wisdom is only loaded on the machine and
library versions it was saved with (the profile's fingerprint); a foreign or unreadable
file gives a `RuntimeWarning` and is ignored.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from . import _profile
from ._spec import choice

WISDOM_NAME = "fftw_wisdom.json"
SCHEMA = 1
Effort = Literal["estimate", "measure", "patient", "exhaustive"]
EFFORTS: tuple[Effort, ...] = ("estimate", "measure", "patient", "exhaustive")

_effort: contextvars.ContextVar[Effort] = contextvars.ContextVar(
    "fftconv_fftw_effort", default="estimate"
)


def planner_flag() -> str:
    """The FFTW planner flag for plans made now (``'FFTW_ESTIMATE'`` by default)."""
    return f"FFTW_{_effort.get().upper()}"


@contextlib.contextmanager
def fftw_effort(effort: Effort) -> Iterator[None]:
    """Context manager: FFTW plans made inside it are planned with this effort.

    Parameters
    ----------
    effort : {'estimate', 'measure', 'patient', 'exhaustive'}
        FFTW's planner rigour. ``'estimate'`` (the default outside the block) plans in
        about a millisecond; the others time candidate plans (seconds per new size) for faster
        transforms. Only the pyfftw backend's FFT methods are affected; plans already
        cached for a shape are kept, new shapes get new plans.

    Raises
    ------
    ValueError
        If `effort` is not one of the above.

    See Also
    --------
    save_wisdom, load_wisdom

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> with fc.fftw_effort('measure'):
    ...     y = fc.convolve(np.ones(100), np.ones(60), method='fft')
    >>> path = fc.save_wisdom()  # doctest: +SKIP
    """
    token = _effort.set(choice(effort, "effort", EFFORTS))
    try:
        yield
    finally:
        _effort.reset(token)


def _path(path: str | Path | None) -> Path:
    if path is None:
        return _profile.cache_dir() / WISDOM_NAME
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, or None; got {path!r}")
    return Path(path)


def save_wisdom(path: str | Path | None = None) -> Path:
    """Write FFTW's accumulated wisdom (the plans measured so far) to a file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Default: ``fftw_wisdom.json`` in ``$FFTCONV_CACHE_DIR`` or the user cache
        directory (``~/.cache/fftconv`` on Linux).

    Returns
    -------
    pathlib.Path
        The file written (atomically: a reader never sees half of it).

    Raises
    ------
    ImportError
        If pyfftw is not installed.
    """
    import pyfftw

    # FFTW's double, single and long-double wisdom strings (bytes).
    wisdom = [base64.b64encode(w).decode("ascii") for w in pyfftw.export_wisdom()]
    return _profile.write_stamped(_path(path), SCHEMA, {"wisdom": wisdom})


def load_wisdom(path: str | Path | None = None) -> bool:
    """Load wisdom written by `save_wisdom` into FFTW for this process.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Default: where `save_wisdom` writes by default.

    Returns
    -------
    bool
        True if the wisdom was loaded; False (with a `RuntimeWarning`, except when the
        file does not exist) if it is missing, unreadable, malformed or was saved on
        another machine or with other library versions.

    Raises
    ------
    ImportError
        If pyfftw is not installed.

    Notes
    -----
    Plans that fftconv has already cached keep running as they were planned; plans made
    after loading use the wisdom, so call it before the first FFT of a program.
    """
    import pyfftw

    path = _path(path)
    if not path.exists():
        return False
    try:
        data = _profile.read_stamped(path, SCHEMA)
        wisdom = tuple(base64.b64decode(w, validate=True) for w in data["wisdom"])
        if len(wisdom) != 3:
            raise ValueError(f"{len(wisdom)} wisdom strings, expected 3")
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        warnings.warn(
            f"fftconv: ignoring FFTW wisdom file {path}: {exc}", RuntimeWarning, stacklevel=2
        )
        return False
    loaded = pyfftw.import_wisdom(wisdom)
    if not any(loaded):
        warnings.warn(f"fftconv: FFTW rejected the wisdom in {path}", RuntimeWarning, stacklevel=2)
        return False
    return True


def forget_wisdom() -> None:
    """Make FFTW forget all wisdom (plans already made keep working).

    Raises
    ------
    ImportError
        If pyfftw is not installed.
    """
    import pyfftw

    pyfftw.forget_wisdom()
