"""Arrays from and to files for the command line, chosen by the file's extension.

``.npy``
    `numpy.load`, memory-mapped (pages are read only where the computation reads) /
    `numpy.save`; any numeric dtype and shape, kept exactly.
``.csv``, ``.txt``
    `numpy.loadtxt`: numbers separated by commas, tabs, semicolons or spaces (detected
    from the first data line; ``#`` starts a comment; a first line that is not numbers,
    a header, is skipped); one row or one column is a 1-D array, several of each a 2-D
    one; complex numbers as ``1.5-2j``. Written with round-trip precision, commas in
    ``.csv`` and spaces in ``.txt``; 1-D and 2-D only.
``.wav``
    `scipy.io.wavfile`: shape ``(samples,)`` or ``(samples, channels)``, the sample rate
    kept. Samples are read as float64 on the audio scale: integer PCM divided by its
    full scale (int16 by 32768, 24- and 32-bit by 2**31, unsigned 8-bit as
    ``(x - 128) / 128``), so a signal and an impulse response both lie in [-1, 1); float
    WAV as stored. Written in the input WAV's sample format: integer PCM is scaled back,
    rounded to the nearest step and clipped to its range (the clipped count is
    reported); float WAV in its float width; data from another format as 32-bit float,
    unscaled, at 44100 Hz.
``.png``, ``.jpg``, ``.jpeg``, ``.tif``, ``.tiff``
    Pillow (the optional ``image`` extra). Read as float64 pixel values as stored (0-255
    for 8-bit), ``(height, width)`` for gray and ``(height, width, channels)`` for
    colour; palette and 1-bit images become RGB(A) and gray. Written in the input
    image's depth (8-bit; 16-bit for gray PNG/TIFF from a 16-bit image), rounded and
    clipped (the clipped count is reported); a gray TIFF from a float image or from
    non-image data is 32-bit float with every value kept; anything else is 8-bit.

Errors are the exceptions the command line turns into one line on stderr: `ValueError`
(bad extension, unreadable content, a shape the format cannot hold), `FileNotFoundError`
and `MissingExtra` (an optional dependency is not installed).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

Format = Literal["npy", "text", "wav", "image"]

FORMATS: dict[str, Format] = {
    ".npy": "npy",
    ".csv": "text",
    ".txt": "text",
    ".wav": "wav",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}

# A .wav written from data that came from no WAV file gets the CD rate.
DEFAULT_RATE = 44_100

# Full scale of integer PCM: a sample s of this dtype is the audio value s / scale
# (unsigned 8-bit is offset by 128 first, as the WAV format defines it).
_PCM_SCALE = {
    np.dtype(np.uint8): 128.0,
    np.dtype(np.int16): 32768.0,
    np.dtype(np.int32): 2.0**31,
    np.dtype(np.int64): 2.0**63,
}


class MissingExtra(ImportError):
    """An optional dependency (an extra of the fftconv package) is not installed."""


@dataclass(frozen=True)
class Data:
    """An array read from a file, with what its format says about it.

    `array` is ready to compute with (see the module's table). `stored` is the dtype
    of the samples in the file (a WAV's PCM format, an image's bit depth), `rate` the
    sample rate of a WAV file (else None).
    """

    array: np.ndarray
    path: Path
    format: Format
    stored: np.dtype
    rate: int | None = None

    @property
    def time_axes(self) -> tuple[int, ...] | None:
        """The axes a lower-dimensional kernel applies along when none are named: a WAV's
        time axis (0), a colour image's two pixel axes; None (all axes) otherwise."""
        if self.format == "wav" and self.array.ndim == 2:
            return (0,)
        if self.format == "image" and self.array.ndim == 3:
            return (0, 1)
        return None


@dataclass(frozen=True)
class Written:
    """What `write` did: the path, and how many values were clipped to the format."""

    path: Path
    clipped: int = 0
    total: int = 0
    range: str = ""

    def note(self) -> str | None:
        """A one-line warning when values were clipped, else None."""
        if not self.clipped:
            return None
        return (
            f"{self.clipped} of {self.total} values were outside the {self.range} range of "
            f"{str(self.path)!r} and were clipped (write .npy or a float format to keep them)"
        )


def format_of(path: str | os.PathLike[str], name: str) -> Format:
    """The format of a file, from its extension (case-insensitive).

    Raises
    ------
    ValueError
        The extension is none of the accepted ones (the message lists them).

    Examples
    --------
    >>> format_of("signal.NPY", "IN")
    'npy'
    >>> format_of("photo.jpeg", "IN")
    'image'
    >>> format_of("data.mat", "IN")
    Traceback (most recent call last):
    ...
    ValueError: IN 'data.mat' has extension '.mat'; accepted: .npy, .csv, .txt, .wav, .png, .jpg, .jpeg, .tif, .tiff
    """  # noqa: E501
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ValueError(
            f"{name} {os.fspath(path)!r} has extension {suffix or '(none)'!r}; accepted: "
            + ", ".join(FORMATS)
        ) from None


def read(path: str | os.PathLike[str], name: str) -> Data:
    """Read the array in `path`, by its extension.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    name : str
        What the command line calls the file (``'IN'``, ``'KERNEL'``), for messages.

    Returns
    -------
    Data
        The array and what the format says about it.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        An unknown extension, or content that is not what the extension says.
    MissingExtra
        An image file without Pillow installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "k.csv").write_text("1, 2, 1\\n")
    >>> read(tmp / "k.csv", "KERNEL").array
    array([1., 2., 1.])
    """
    fmt = format_of(path, name)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{name} {str(p)!r} does not exist")
    if p.is_dir():
        raise ValueError(f"{name} {str(p)!r} is a directory, not a file")
    reader = {"npy": _read_npy, "text": _read_text, "wav": _read_wav, "image": _read_image}[fmt]
    return reader(p, name)


def write(path: str | os.PathLike[str], array: np.ndarray, *, like: Data | None = None) -> Written:
    """Write `array` to `path`, by its extension.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists).
    array : numpy.ndarray
        The data.
    like : Data, optional
        The input the data came from: a WAV output takes its sample rate and sample
        format, an image output its bit depth (see the module's table).

    Returns
    -------
    Written
        The path, and the number of values clipped to the format's range.

    Raises
    ------
    ValueError
        An unknown extension, or an array the format cannot hold (a 3-D array in a CSV
        file, complex samples in a WAV or image).
    FileNotFoundError
        The directory of `path` does not exist.
    MissingExtra
        An image file without Pillow installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> write(tmp / "y.csv", np.array([0.1, 2.0, -3.5])).clipped
    0
    >>> (tmp / "y.csv").read_text()
    '0.10000000000000001\\n2\\n-3.5\\n'
    """
    fmt = format_of(path, "OUT")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"OUT {str(p)!r} is a directory; give a file name")
    if not p.parent.is_dir():
        raise FileNotFoundError(f"the directory of OUT {str(p)!r} does not exist")
    writer = {"npy": _write_npy, "text": _write_text, "wav": _write_wav, "image": _write_image}[fmt]
    return writer(p, np.asarray(array), like)


# --- .npy --------------------------------------------------------------------------------


def _read_npy(path: Path, name: str) -> Data:
    try:
        # Memory-mapped: a large file is paged in only where the computation reads it.
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{name} {str(path)!r} is not a readable .npy file: {exc}") from None
    if not isinstance(array, np.ndarray):  # an .npz archive loads as a mapping
        raise ValueError(f"{name} {str(path)!r} is an .npz archive; save one array with numpy.save")
    if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
        raise ValueError(
            f"{name} {str(path)!r} has dtype {array.dtype}; accepted dtypes are bool, "
            "integers, floats and complex numbers"
        )
    return Data(array, path, "npy", array.dtype)


def _write_npy(path: Path, array: np.ndarray, like: Data | None) -> Written:
    np.save(path, array, allow_pickle=False)
    return Written(path)


# --- .csv / .txt ---------------------------------------------------------------------------


def _first_line(path: Path, name: str) -> tuple[int, str | None]:
    """The index of the first data line and its separator: comma, tab, semicolon, else
    whitespace."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for index, line in enumerate(f):
            data = line.split("#", 1)[0].strip()
            if data:
                for sep in (",", "\t", ";"):
                    if sep in data:
                        return index, sep
                return index, None
    raise ValueError(f"{name} {str(path)!r} holds no numbers")


def _read_text(path: Path, name: str) -> Data:
    first, delimiter = _first_line(path, name)
    array: np.ndarray | None = None
    error: Exception | None = None
    # Floats, else complex numbers; then the same without the first data line, which
    # may be a header ("time,value").
    for skip in (0, first + 1):
        for dtype in (np.float64, np.complex128):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")  # "input contained no data" is an error
                    array = np.loadtxt(
                        path, dtype=dtype, delimiter=delimiter, ndmin=1, skiprows=skip
                    )
                break
            except (ValueError, UserWarning) as exc:
                error = error or exc  # the first failure says what is wrong
        if array is not None:
            break
    if array is None:
        raise ValueError(f"{name} {str(path)!r} is not a table of numbers: {error}")
    if array.ndim == 2 and 1 in array.shape:  # one row or one column: a 1-D signal
        array = array.ravel()
    return Data(array, path, "text", array.dtype)


def _format(dtype: np.dtype) -> str:
    """A printf format that round-trips values of `dtype` exactly."""
    if dtype.kind in "biu":
        return "%d"
    return "%.9g" if dtype.itemsize <= 4 or (dtype.kind == "c" and dtype.itemsize <= 8) else "%.17g"


def _write_text(path: Path, array: np.ndarray, like: Data | None) -> Written:
    if array.ndim > 2:
        raise ValueError(
            f"OUT {str(path)!r}: a text file holds 1-D or 2-D arrays; the result has shape "
            f"{array.shape} (write .npy instead)"
        )
    table = np.atleast_1d(array)
    table = table.reshape(-1, 1) if table.ndim == 1 else table  # 1-D: one column
    delimiter = "," if path.suffix.lower() == ".csv" else " "
    fmt = _format(table.dtype)
    if table.dtype.kind == "b":
        table = table.astype(np.int64)
    if table.dtype.kind == "c":
        # ``1.5-2j``, which numpy.loadtxt(dtype=complex) and Python's complex() read
        # (numpy.savetxt would write ``(1.5+-2j)``).
        signed = fmt.replace("%", "%+", 1)
        lines = [delimiter.join(f"{fmt % v.real}{signed % v.imag}j" for v in row) for row in table]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    else:
        np.savetxt(path, table, fmt=fmt, delimiter=delimiter)
    return Written(path)


# --- .wav -----------------------------------------------------------------------------------


def _read_wav(path: Path, name: str) -> Data:
    from scipy.io import wavfile

    try:
        with warnings.catch_warnings():
            # Unknown chunks (metadata) are skipped with a WavFileWarning: not our concern.
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, samples = wavfile.read(path)
    except (ValueError, EOFError, OSError) as exc:
        raise ValueError(f"{name} {str(path)!r} is not a readable WAV file: {exc}") from None
    stored = samples.dtype
    scale = _PCM_SCALE.get(np.dtype(stored))
    if scale is not None:
        offset = 128.0 if stored == np.uint8 else 0.0
        array = (samples.astype(np.float64) - offset) / scale
    else:
        array = samples.astype(np.float64)
    return Data(array, path, "wav", np.dtype(stored), int(rate))


def _write_wav(path: Path, array: np.ndarray, like: Data | None) -> Written:
    from scipy.io import wavfile

    if array.ndim not in (1, 2) or array.dtype.kind == "c":
        raise ValueError(
            f"OUT {str(path)!r}: a WAV file holds real samples of shape (samples,) or "
            f"(samples, channels); the result is {array.dtype} of shape {array.shape}"
        )
    rate = like.rate if like is not None and like.rate is not None else DEFAULT_RATE
    stored = like.stored if like is not None and like.format == "wav" else np.dtype(np.float32)
    scale = _PCM_SCALE.get(stored)
    if scale is None:  # float WAV (32 or 64 bits): the values as they are
        wavfile.write(path, rate, np.ascontiguousarray(array, dtype=stored))
        return Written(path)
    offset = 128.0 if stored == np.uint8 else 0.0
    info = np.iinfo(stored.name)
    pcm = np.rint(np.asarray(array, dtype=np.float64) * scale + offset)
    clipped = int(np.count_nonzero((pcm < info.min) | (pcm > info.max)))
    pcm = np.clip(pcm, info.min, info.max).astype(stored)
    wavfile.write(path, rate, pcm)
    return Written(path, clipped, pcm.size, f"{stored} PCM")


# --- images ---------------------------------------------------------------------------------


def _require_pillow(path: Path) -> None:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        raise MissingExtra(
            f"{str(path)!r}: image files need Pillow, the 'image' extra: "
            "pip install 'fftconv[image]'"
        ) from None


def _read_image(path: Path, name: str) -> Data:
    _require_pillow(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            img: Image.Image = opened
            if img.mode == "P":  # palette indices are no intensities
                img = img.convert("RGBA" if "transparency" in img.info else "RGB")
            elif img.mode in ("1", "CMYK", "YCbCr", "LAB", "HSV"):
                img = img.convert("L" if img.mode == "1" else "RGB")
            pixels = np.asarray(img)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValueError(f"{name} {str(path)!r} is not a readable image: {exc}") from None
    stored = pixels.dtype.newbyteorder("=")
    return Data(pixels.astype(np.float64), path, "image", stored)


def _image_depth(suffix: str, gray: bool, like: Data | None) -> np.dtype:
    """The pixel dtype an image output is written in: the source image's (8 or 16 bits,
    float for float TIFFs), 32-bit float for a gray TIFF from non-image data, else 8 bits,
    narrowed to what Pillow writes (16-bit and float only for gray PNG/TIFF)."""
    tiff = suffix in (".tif", ".tiff")
    want = like.stored if like is not None and like.format == "image" else np.dtype(np.float32)
    if want.kind == "f" or want.itemsize > 2:
        return np.dtype(np.float32 if tiff and gray else np.uint8)
    if want.itemsize == 2 and gray and (tiff or suffix == ".png"):
        return np.dtype(np.uint16)
    return np.dtype(np.uint8)


def _write_image(path: Path, array: np.ndarray, like: Data | None) -> Written:
    _require_pillow(path)
    from PIL import Image

    pixels = array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array
    if pixels.dtype.kind == "c" or not (
        pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[-1] in (2, 3, 4))
    ):
        raise ValueError(
            f"OUT {str(path)!r}: an image holds real (height, width) or (height, width, 2, 3 "
            f"or 4 channels) arrays; the result is {array.dtype} of shape {array.shape}"
        )
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg") and pixels.ndim == 3 and pixels.shape[-1] in (2, 4):
        raise ValueError(f"OUT {str(path)!r}: JPEG has no alpha channel; write .png instead")
    depth = _image_depth(suffix, pixels.ndim == 2, like)
    if depth.kind == "f":  # every value kept
        Image.fromarray(np.ascontiguousarray(pixels, dtype=np.float32)).save(path)
        return Written(path)
    info = np.iinfo(depth.name)
    rounded = np.rint(np.asarray(pixels, dtype=np.float64))
    clipped = int(np.count_nonzero((rounded < info.min) | (rounded > info.max)))
    out = np.clip(rounded, info.min, info.max).astype(depth)
    Image.fromarray(out).save(path)
    return Written(path, clipped, out.size, f"{depth} pixel")


_AXES = re.compile(r"^\s*-?\d+(\s*,\s*-?\d+)*\s*$")


def parse_axes(text: str) -> tuple[int, ...]:
    """``'0'`` -> ``(0,)``, ``'0,1'`` -> ``(0, 1)``: the command line's ``--axis``.

    Examples
    --------
    >>> parse_axes("-1")
    (-1,)
    >>> parse_axes("0, 1")
    (0, 1)
    """
    if not _AXES.match(text):
        raise ValueError(
            f"--axis must be an integer or comma-separated integers (0 or 0,1); got {text!r}"
        )
    return tuple(int(a) for a in text.split(","))
