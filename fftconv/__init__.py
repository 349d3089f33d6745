"""fftconv: fast, exact-where-it-matters convolution and correlation of NumPy arrays.

The public API is exactly `__all__`; everything else is private.
"""

from ._api import convolve, correlate
from ._backends import get_backend, set_backend
from ._calibrate import calibrate
from ._choose import choose_method
from ._convolver import Convolver
from ._dispatch import Choice
from ._file import convolve_file
from ._profile import Constants
from ._scipy_compat import (
    choose_conv_method,
    convolve2d,
    correlate2d,
    correlation_lags,
    fftconvolve,
    oaconvolve,
)
from ._separable import sepconvolve
from ._stream import StreamConvolver
from ._template import match_template
from ._timeseries import autocorr, estimate_delay, xcorr
from ._wisdom import fftw_effort, forget_wisdom, load_wisdom, save_wisdom

__version__ = "0.1.0"

__all__ = [
    "Choice",
    "Constants",
    "Convolver",
    "autocorr",
    "calibrate",
    "choose_conv_method",
    "choose_method",
    "convolve",
    "convolve2d",
    "convolve_file",
    "correlate",
    "correlate2d",
    "correlation_lags",
    "estimate_delay",
    "fftconvolve",
    "fftw_effort",
    "forget_wisdom",
    "get_backend",
    "load_wisdom",
    "match_template",
    "oaconvolve",
    "save_wisdom",
    "sepconvolve",
    "set_backend",
    "StreamConvolver",
    "xcorr",
    "__version__",
]
