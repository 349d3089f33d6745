"""`convolve_file`: convolve a signal stored in a `.npy` file into another, in constant memory."""

from __future__ import annotations

import errno
import io
import math
import mmap
import operator
import os
import secrets
import sys
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
from numpy.typing import ArrayLike

from ._spec import KINDS, MODES, Kind, Mode, as_input_array, choice, make_spec
from ._stream import StreamConvolver

# Bytes of input (or output, whichever is wider) per chunk by default: large enough that
# the per-call overhead of `StreamConvolver.process` (tens of us) and of the madvise calls
# is negligible, small enough that the chunk's pages and temporaries stay a few dozen MiB.
CHUNK_BYTES = 8 * 2**20

_ZIP_MAGIC = b"PK\x03\x04"  # an .npz archive is a zip file
_NPY_MAGIC = b"\x93NUMPY"
# Absent on Windows: no release or read-ahead there.
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
_WILLNEED: int | None = getattr(mmap, "MADV_WILLNEED", None)


def convolve_file(
    src: str | os.PathLike[str],
    kernel: ArrayLike,
    dst: str | os.PathLike[str],
    *,
    kind: Kind = "convolve",
    mode: Mode = "full",
    axis: int = -1,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> Path:
    """Convolve (or correlate) a signal in a `.npy` file, writing the result to another.

    Reads `src` through a memory map and writes `dst` chunk by chunk with a
    `StreamConvolver`, so memory stays constant whatever the file's size. The file
    `dst` holds ``fftconv.convolve(numpy.load(src), kernel, mode, axes=axis)`` (or
    `correlate`), to within SPEC.md §4's precision (exactly for integers).

    Parameters
    ----------
    src : str or os.PathLike
        A `.npy` file (as written by `numpy.save`), C or Fortran order, of any bool,
        integer, float or complex dtype, with at least one dimension. Never written to.
    kernel : array_like
        1-D: applied along `axis` to every channel (every index of the other axes).
        N-D: as many dimensions as the source; its other axes broadcast with the
        source's, as in `convolve` with ``axes=axis``.
    dst : str or os.PathLike
        Where to write the result (a C-order `.npy` file; no suffix is added). An
        existing file is replaced, atomically, once the whole result is written.
    kind : {'convolve', 'correlate'}, optional
        The operation.
    mode : {'full', 'same', 'valid'}, optional
        The output window along `axis`, as in `convolve`.
    axis : int, optional
        The time axis of `src` (default -1, the last). Any axis works; one that is not
        the slowest-varying in the file's memory order makes every chunk a strided
        slab, which is correct but slower.
    chunk_size : int, optional
        Samples along `axis` read per step. Default: about 8 MiB of input or output
        per step, whichever is wider. Any size >= 1 gives the same result.
    progress : bool, optional
        Show a progress bar (tqdm) on stderr. Default None: only when stderr is a
        terminal.

    Returns
    -------
    pathlib.Path
        `dst`.

    Raises
    ------
    FileNotFoundError
        `src`, or the directory of `dst`, does not exist.
    ValueError
        `src` is not a `.npy` file (an `.npz` archive, say), is truncated, is 0-d or
        is the same file as `dst`; `dst` is a directory; a bad `kind`, `mode`, `axis`,
        `chunk_size` or kernel shape (the messages of `convolve`).
    TypeError
        `src` has a non-numeric dtype (object, string, structured), the kernel is not
        numeric, or an argument has the wrong type.
    OverflowError
        An integer result does not fit its dtype (`dst` is then not written).
    OSError
        Reading, writing or reserving the space for `dst` failed (a full disk, say).

    See Also
    --------
    convolve, correlate : The same in memory.
    StreamConvolver : The streaming engine, for signals that arrive in chunks.

    Notes
    -----
    **Atomic.** The result is written to a hidden temporary file beside `dst`
    (``.{dst.name}.{pid}.{random}.partial``), whose space is reserved up front (a full
    disk fails before any work, not midway). After the last sample it is fsync'ed,
    then renamed over `dst` (`os.replace`: atomic on POSIX file systems). Any
    exception, KeyboardInterrupt included, removes the temporary file and leaves `dst`
    as it was; only a hard kill or power loss can leave a ``.partial`` file behind,
    never a truncated `dst`.

    **Memory.** The source's pages count toward the resident set size (RSS) once read
    through the map; after each chunk they are released with ``madvise(MADV_DONTNEED)``
    (they stay in the file and the page cache, which the kernel reclaims as needed).
    The result is written with `os.pwrite`, so it never becomes resident. RSS stays
    near one chunk's worth plus the library itself: 96 MiB measured for a 2 GiB
    float64 file with 1001 taps (benchmarks/bench_file.py prints the peak).

    **Output dtype** is ``numpy.result_type(src dtype, kernel)`` in native byte order,
    as in `convolve`.

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> import numpy as np
    >>> import fftconv as fc
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> signal = np.random.default_rng(0).standard_normal((2, 100_000))  # 2 channels
    >>> np.save(tmp / "signal.npy", signal)
    >>> kernel = np.hanning(101) / np.hanning(101).sum()
    >>> out = fc.convolve_file(tmp / "signal.npy", kernel, tmp / "smooth.npy", mode="same")
    >>> out.name
    'smooth.npy'
    >>> smooth = np.load(out, mmap_mode="r")
    >>> smooth.shape
    (2, 100000)
    >>> np.allclose(smooth, fc.convolve(signal, kernel[None], mode="same", axes=-1))
    True
    >>> del smooth
    >>> shutil.rmtree(tmp)
    """
    kind = choice(kind, "kind", KINDS)
    mode = choice(mode, "mode", MODES)
    chunk = _check_chunk_size(chunk_size)
    show = _check_progress(progress)
    src_path, dst_path = _path(src, "src"), _path(dst, "dst")
    if dst_path.is_dir():
        raise ValueError(f"dst must be a file path; {str(dst_path)!r} is a directory")
    if not dst_path.parent.is_dir():
        raise FileNotFoundError(
            f"dst's directory {str(dst_path.parent)!r} does not exist (create it first)"
        )
    if _same_file(src_path, dst_path):
        raise ValueError(
            f"src and dst are the same file ({str(src_path)!r}); the result must go to "
            "another file (the source is read while the result is written)"
        )

    with open(src_path, "rb") as f:
        shape, fortran, dtype, offset = _read_header(f, src_path)
        size = os.fstat(f.fileno()).st_size
        nbytes = math.prod(shape) * dtype.itemsize
        if size < offset + nbytes:
            raise ValueError(
                f"src {str(src_path)!r} is truncated: its header says shape {shape} of "
                f"{dtype} ({offset + nbytes} bytes with the header); the file has {size}"
            )
        ax = _check_axis(axis, shape, src_path)
        h = as_input_array(kernel, "kernel")
        if h.ndim == 0 or 0 in h.shape:
            raise ValueError(f"kernel must have at least one sample; got shape {h.shape}")
        if h.ndim == 1 and len(shape) > 1:  # one kernel for every channel
            h = np.expand_dims(h, [a for a in range(len(shape)) if a != ax])
        elif h.ndim != len(shape):
            raise ValueError(
                f"kernel must be 1-D (applied to every channel) or have the {len(shape)} "
                f"dimension(s) of src; got kernel shape {h.shape} and src shape {shape}"
            )
        # Zero-cost stand-ins of the right shapes and dtype: the validation and the
        # messages of `convolve` (names, modes, broadcasting), and the output's shape
        # and dtype before a sample is read.
        probe = np.broadcast_to(np.zeros((), dtype), shape)
        spec = make_spec(probe, h, kind=kind, mode=mode, axes=ax, names=("src", "kernel"))
        out_shape, out_dtype = spec.out_shape, spec.result_dtype
        if chunk is None:
            per_sample = max(
                dtype.itemsize * math.prod(_with(shape, ax, 1)),
                out_dtype.itemsize * math.prod(_with(out_shape, ax, 1)),
                1,
            )
            chunk = max(1, CHUNK_BYTES // per_sample)
        # A zero-length file cannot be mapped; an empty array needs no map.
        src_map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if nbytes else None

    try:
        source = (
            np.ndarray(shape, dtype, buffer=src_map, offset=offset, order="F" if fortran else "C")
            if src_map is not None
            else np.zeros(shape, dtype)
        )
        stream = StreamConvolver(h, kind=kind, mode=mode, axis=ax)
        with _AtomicNpy(dst_path, out_shape, out_dtype, ax) as out:
            if out.nbytes:  # else an empty result: the header is all there is
                _run(stream, source, src_map, offset, out, chunk, show, src_path)
        del source
    finally:
        _close(src_map)
    return dst_path


def _run(
    stream: StreamConvolver,
    source: np.ndarray,
    src_map: mmap.mmap | None,
    offset: int,
    out: _AtomicNpy,
    chunk: int,
    show: bool,
    src_path: Path,
) -> None:
    """Feed `source` to `stream` chunk by chunk, appending the outputs to `out`."""
    ax = out.axis
    n = source.shape[ax]
    bar = _progress_bar(n, src_path.name) if show else _NoBar()
    try:
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            # Start reading the next chunk from disk while this one is convolved.
            _advise(src_map, source, offset, ax, stop, min(n, stop + chunk), _WILLNEED)
            out.write(stream.process(_take(source, ax, start, stop)))
            # This chunk's input pages are done with: drop them from the resident set.
            _advise(src_map, source, offset, ax, start, stop, _DONTNEED)
            bar.update(stop - start)
        out.write(stream.flush())
    finally:
        bar.close()


class _NoBar:
    """What `_run` calls when no progress bar is shown."""

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, name: str) -> _NoBar:
    """A tqdm bar on stderr counting input samples along the time axis."""
    from tqdm import tqdm  # imported only when a bar is shown (~40 ms)

    bar: _NoBar = tqdm(total=total, desc=name, unit="sample", unit_scale=True, file=sys.stderr)
    return bar


def _advise(
    mm: mmap.mmap | None,
    array: np.ndarray,
    offset: int,
    ax: int,
    start: int,
    stop: int,
    advice: int | None,
) -> None:
    """``madvise`` the pages of ``array[..., start:stop, ...]`` (along `ax`): `array`
    lies in the read-only map `mm` at byte `offset`, with non-negative strides.

    MADV_DONTNEED drops the pages from the resident set: on a file mapping it only
    unmaps them; they stay in the page cache (which is not resident set size, and which
    the kernel reclaims as it needs) and fault back in if touched again. MADV_WILLNEED
    starts reading them ahead, asynchronously. The range is every page between the
    slab's first and last byte, so for a strided slab it takes in its neighbours'
    pages too: for DONTNEED, the next chunk faults them back in from the page cache
    (slower, still correct).
    """
    if mm is None or advice is None or stop <= start or array.size == 0:
        return
    strides, shape = array.strides, array.shape
    lo = offset + start * strides[ax]
    hi = offset + (stop - 1) * strides[ax] + array.itemsize
    hi += sum((shape[a] - 1) * strides[a] for a in range(array.ndim) if a != ax)
    lo -= lo % mmap.PAGESIZE
    mm.madvise(advice, lo, hi - lo)


class _AtomicNpy:
    """A C-order `.npy` file written slab by slab along `axis` into a temporary file
    beside `path`, and renamed over `path` only when complete.

    `write` appends the next slab with `os.pwrite`, one call per contiguous run of the
    file: one per slab when `axis` is the leading axis, else one per index of the axes
    before it. Plain writes rather than a writable map: the output never enters the
    resident set, and on ext4 they were 2-5x faster than page faults into a map.
    A normal exit checks that every sample was written, fsyncs and renames; an
    exception (KeyboardInterrupt included) removes the temporary file and leaves `path`
    as it was.
    """

    def __init__(self, path: Path, shape: tuple[int, ...], dtype: np.dtype, axis: int) -> None:
        self.path, self.shape, self.dtype, self.axis = path, shape, dtype, axis
        self.nbytes = math.prod(shape) * dtype.itemsize
        self.pos = 0  # slabs written so far, in samples along `axis`
        self.offset = 0  # where the data starts, after the header
        # Hidden, with the pid and a random part: never mistaken for a result, never
        # shared by two concurrent writers of the same dst.
        name = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial"
        self.tmp = path.parent / name
        self._fd: int | None = None

    def __enter__(self) -> _AtomicNpy:
        # O_EXCL: never follow or reuse an existing name. Mode 0o666 less the umask, as
        # numpy.save's files get (mkstemp would give 0o600).
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # Windows
        self._fd = os.open(self.tmp, flags, 0o666)
        try:
            # Zeros where the header goes until the data is complete: a temporary file
            # that a kill -9 leaves behind is no loadable .npy either.
            self.offset = len(_header(self.shape, self.dtype))
            _pwrite_all(self._fd, memoryview(bytes(self.offset)), 0)
            _reserve(self._fd, self.offset + self.nbytes)
        except BaseException:
            self._abort()
            raise
        return self

    def write(self, piece: np.ndarray) -> None:
        """Append `piece`, the next outputs along `axis`."""
        assert self._fd is not None
        ax = self.axis
        k = piece.shape[ax]
        if (
            piece.shape != _with(self.shape, ax, k)
            or piece.dtype != self.dtype
            or self.pos + k > self.shape[ax]
        ):  # a bug, not a user error: never commit a wrong file
            raise RuntimeError(
                f"convolve_file: the stream returned {piece.shape} {piece.dtype} at output "
                f"position {self.pos} of {self.shape} {self.dtype}; dst was not written"
            )
        if k == 0:
            return
        inner = math.prod(self.shape[ax + 1 :]) * self.dtype.itemsize  # bytes per sample
        runs = np.ascontiguousarray(piece).reshape(math.prod(self.shape[:ax]), -1)
        runs = runs.view(np.uint8)  # a byte buffer for any dtype (complex included)
        first = self.offset + self.pos * inner
        for i, run in enumerate(runs):
            _pwrite_all(self._fd, run.data, first + i * self.shape[ax] * inner)
        self.pos += k

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            if self.nbytes and self.pos != self.shape[self.axis]:
                raise RuntimeError(
                    f"convolve_file: the stream produced {self.pos} output samples along "
                    f"axis {self.axis}, expected {self.shape[self.axis]}; dst was not written"
                )
            assert self._fd is not None
            _pwrite_all(self._fd, memoryview(_header(self.shape, self.dtype)), 0)
            os.fsync(self._fd)  # the data is on disk before the name points at it
            os.close(self._fd)
            self._fd = None
            os.replace(self.tmp, self.path)
        except BaseException:
            self._abort()
            raise
        _fsync_dir(self.path.parent)  # make the rename itself durable

    def _abort(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


def _header(shape: tuple[int, ...], dtype: np.dtype) -> bytes:
    """The `.npy` header of a C-order array: format 1.0 unless the header needs 2.0."""
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": shape,
    }
    buffer = io.BytesIO()
    try:
        np.lib.format.write_array_header_1_0(buffer, header)
    except ValueError:  # over 64 KiB (a shape of thousands of axes): format 2.0
        buffer = io.BytesIO()
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue()


def _pwrite_all(fd: int, view: memoryview, position: int) -> None:
    """Write all of `view` at `position`: os.pwrite may write less than asked (Linux
    writes at most 2 GiB per call)."""
    pwrite = getattr(os, "pwrite", None)  # absent on Windows: seek, then write
    while view.nbytes:
        if pwrite is not None:
            written = pwrite(fd, view, position)
        else:
            os.lseek(fd, position, os.SEEK_SET)
            written = os.write(fd, view)
        view, position = view[written:], position + written


def _reserve(fd: int, size: int) -> None:
    """Size the file to `size` bytes, allocating the blocks where the file system can:
    a full disk is then an OSError before any work, not after most of it."""
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None and size:
        try:
            fallocate(fd, 0, size)
            return
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise  # ENOSPC, EFBIG, EIO: a real failure
    os.ftruncate(fd, size)  # sparse: the file system cannot reserve blocks


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible everywhere (Windows): the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _close(mm: mmap.mmap | None) -> None:
    """Close a map, unless arrays still use it (a traceback may hold a chunk view):
    then the garbage collector unmaps it when the last one goes."""
    if mm is not None:
        try:
            mm.close()
        except BufferError:
            pass


def _read_header(f: IO[bytes], path: Path) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran_order, dtype, data offset) of the `.npy` file open as `f`."""
    head = f.read(len(_NPY_MAGIC))
    if head != _NPY_MAGIC:
        what = "an .npz archive" if head.startswith(_ZIP_MAGIC) else "not a .npy file"
        hint = (
            "; load it and pass one of its arrays saved with numpy.save"
            if head.startswith(_ZIP_MAGIC)
            else ""
        )
        raise ValueError(
            f"src {str(path)!r} is {what} (it does not start with the .npy magic string){hint}"
        )
    f.seek(0)
    try:
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"unsupported .npy format version {version}")
        # Format 3.0 differs from 2.0 only in decoding the header as UTF-8 instead of
        # latin-1, which matters only for structured dtypes' field names (rejected below).
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    except ValueError as exc:
        raise ValueError(f"src {str(path)!r} is not a readable .npy file: {exc}") from exc
    dtype = np.dtype(dtype)
    if dtype.kind not in "biufc" or dtype.hasobject or dtype.fields is not None:
        raise TypeError(
            f"src {str(path)!r} has dtype {dtype}; accepted dtypes are bool, integers, "
            "floats and complex numbers"
        )
    return tuple(shape), bool(fortran), dtype, f.tell()


def _check_axis(axis: object, shape: tuple[int, ...], path: Path) -> int:
    if len(shape) == 0:
        raise ValueError(
            f"src {str(path)!r} holds a 0-d array; it needs at least one dimension (the time axis)"
        )
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"axis must be an integer; got {axis!r}")
    try:
        ax = operator.index(axis)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"axis must be an integer; got {axis!r}") from None
    if not -len(shape) <= ax < len(shape):
        raise ValueError(
            f"axis={axis} is out of range for src of shape {shape}; it must be in "
            f"[{-len(shape)}, {len(shape) - 1}]"
        )
    return ax % len(shape)


def _check_chunk_size(chunk_size: object) -> int | None:
    if chunk_size is None:
        return None
    if isinstance(chunk_size, (bool, np.bool_)):
        raise TypeError(f"chunk_size must be an integer or None; got {chunk_size!r}")
    try:
        value = operator.index(chunk_size)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"chunk_size must be an integer or None; got {chunk_size!r}") from None
    if value < 1:
        raise ValueError(f"chunk_size must be at least 1; got {value}")
    return value


def _check_progress(progress: object) -> bool:
    if progress is None:
        isatty = getattr(sys.stderr, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (ValueError, OSError):  # a closed or detached stream
            return False
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True, False or None; got {progress!r}")
    return bool(progress)


def _path(value: object, name: str) -> Path:
    try:
        return Path(os.fsdecode(os.fspath(cast(Any, value))))
    except TypeError:
        raise TypeError(
            f"{name} must be a path (str or os.PathLike); got {type(value).__name__}"
        ) from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # hard and symbolic links too
    except OSError:  # one of them does not exist (yet)
        return a.resolve() == b.resolve()


def _with(shape: tuple[int, ...], axis: int, value: int) -> tuple[int, ...]:
    return shape[:axis] + (value,) + shape[axis + 1 :]


def _index(ndim: int, axis: int, start: int, stop: int) -> tuple[slice, ...]:
    index: list[slice] = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _take(a: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    return a[_index(a.ndim, axis, start, stop)]
