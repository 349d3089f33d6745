"""`fc.convolve_file` (issue 4): a `.npy` signal convolved into another `.npy` file.

The file result equals the in-memory `fc.convolve` / `fc.correlate` (exactly for integers,
within SPEC §4's bound for floats) and the naive reference, for random chunkings (1 sample,
uneven, larger than the signal), kernels (longer than the signal too), modes, kinds, axes,
memory orders and dtypes; errors name the argument; the source is never modified; and an
exception or interrupt at any point leaves no result, no half-written file and no
temporary file behind.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _file

from ._data import MODES, OPS, random_pair, seed_of
from .reference import assert_matches, reference, tolerance

# Result dtypes of every family: bool, exact integers (random_pair keeps the sums inside
# the dtype), floats of each precision (float16 is computed in float32), complex; and
# big-endian files, which numpy.save writes for big-endian arrays.
DTYPES = (
    "?",
    "<i2",
    "<u1",
    "<i8",
    ">i4",
    "<f2",
    "<f4",
    "<f8",
    ">f8",
    "<c8",
    "<c16",
)
KERNEL_DTYPES = ("same", "<f8", "<i2", "?")


def _files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def _kernel_nd(kernel: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """The kernel as `convolve` takes it: a 1-D kernel applies to every channel."""
    if kernel.ndim == 1 and ndim > 1:
        return np.expand_dims(kernel, [a for a in range(ndim) if a != axis % ndim])
    return kernel


@st.composite
def file_cases(draw):
    """(src array, kernel, kind, mode, axis, chunk_size, fortran)."""
    ndim = draw(st.sampled_from((1, 2)))
    n = draw(st.integers(1, 120))
    m = draw(st.integers(1, n + 12))  # kernels longer than the signal too
    axis = draw(st.sampled_from((0, -1))) if ndim == 2 else -1
    channels = draw(st.integers(1, 3))
    shape = (n,) if ndim == 1 else ((n, channels) if axis == 0 else (channels, n))
    if ndim == 1 or draw(st.booleans()):
        kshape: tuple[int, ...] = (m,)  # one kernel for every channel
    else:  # one kernel per channel, or one broadcast over the channels
        kchannels = draw(st.sampled_from((1, channels)))
        kshape = (m, kchannels) if axis == 0 else (kchannels, m)
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    kdtype = draw(st.sampled_from(KERNEL_DTYPES))
    kdtype = dtype.newbyteorder("=") if kdtype == "same" else np.dtype(kdtype)
    # random_pair bounds integers by the convolved axis: give it the kernel's full shape.
    x, h = random_pair(
        shape,
        _kernel_nd(np.empty(kshape), ndim, axis).shape,
        dtype.newbyteorder("="),
        kdtype,
        axes=axis,
        seed=seed_of(shape, kshape, dtype.str, kdtype.str, draw(st.integers(0, 3))),
    )
    x = x.astype(dtype)  # big-endian where drawn
    h = h.reshape(kshape)
    chunk = draw(
        st.one_of(st.none(), st.integers(1, 4), st.integers(1, n + 5), st.integers(n, 3 * n + 7))
    )
    return (
        x,
        h,
        draw(st.sampled_from(OPS)),
        draw(st.sampled_from(MODES)),
        axis,
        chunk,
        ndim == 2 and draw(st.booleans()),
    )


@settings(max_examples=300)
@given(file_cases())
def test_file_equals_in_memory_and_reference(case):
    x, h, kind, mode, axis, chunk, fortran = case
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.npy", Path(tmp) / "out.npy"
        np.save(src, np.asfortranarray(x) if fortran else x)
        before = src.read_bytes()
        out = fc.convolve_file(src, h, dst, kind=kind, mode=mode, axis=axis, chunk_size=chunk)
        assert out == dst and isinstance(out, Path)
        assert src.read_bytes() == before  # never written to
        assert _files(Path(tmp)) == ["in.npy", "out.npy"]  # no temporary file left
        got = np.load(dst)
    hn = _kernel_nd(h, x.ndim, axis)
    mem = getattr(fc, kind)(x, hn, mode, axes=axis)
    assert got.dtype == mem.dtype and got.shape == mem.shape
    if mem.dtype.kind in "biu":
        assert np.array_equal(got, mem)
    else:  # both approximate: each within the bound of the exact result
        assert_matches(got, mem, x, hn, axes=axis, extra=tolerance(x, hn, axis))
    assert_matches(got, reference(x, hn, mode, kind=kind, axes=axis), x, hn, axes=axis)


@pytest.mark.parametrize(
    "shape, axis, order",
    [
        ((300_000,), -1, "C"),
        ((3, 90_000), -1, "C"),  # strided slabs (time is the fastest axis in the file)
        ((90_000, 3), 0, "F"),  # strided
        ((2, 70_000), -1, "F"),  # contiguous slabs of interleaved channels
        ((70_000, 2), 0, "C"),  # contiguous
    ],
)
def test_long_signals_many_chunks(tmp_path, monkeypatch, shape, axis, order):
    """Chunks of real page-sized extent (the default chunking, scaled down), so the pages
    released after each chunk are real ones, of contiguous and strided slabs."""
    monkeypatch.setattr(_file, "CHUNK_BYTES", 2**18)
    rng = np.random.default_rng(seed_of(shape, axis, order))
    x = np.asarray(rng.standard_normal(shape), order=order)
    np.save(tmp_path / "in.npy", x)
    h = np.hanning(257)
    for kind, mode in [("convolve", "full"), ("correlate", "same"), ("convolve", "valid")]:
        out = fc.convolve_file(
            tmp_path / "in.npy", h, tmp_path / "out.npy", kind=kind, mode=mode, axis=axis
        )
        hn = _kernel_nd(h, x.ndim, axis)
        mem = getattr(fc, kind)(x, hn, mode, axes=axis)
        got = np.load(out)
        assert got.shape == mem.shape
        assert float(np.max(np.abs(got - mem))) <= 2 * tolerance(x, hn, axis)


def test_integers_are_exact_over_many_chunks(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.integers(-1000, 1000, size=200_000, dtype=np.int32)
    h = rng.integers(-1000, 1000, size=1001, dtype=np.int32)
    np.save(tmp_path / "in.npy", x)
    for mode in MODES:
        out = fc.convolve_file(tmp_path / "in.npy", h, tmp_path / f"{mode}.npy", mode=mode)
        got = np.load(out)
        expected = np.convolve(x.astype(np.int64), h.astype(np.int64), mode)
        assert got.dtype == np.int32
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("chunk", [1, 7, 250, None])
def test_non_finite_values_stay_local(tmp_path, chunk):
    """A NaN or inf reaches exactly the outputs whose window covers it (SPEC §4), also
    when it sits at a chunk boundary."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(500)
    x[[3, 250, 499]] = [np.nan, np.inf, -np.inf]
    h = rng.standard_normal(41)
    np.save(tmp_path / "in.npy", x)
    for kind in OPS:
        for mode in MODES:
            out = fc.convolve_file(
                tmp_path / "in.npy", h, tmp_path / "out.npy", kind=kind, mode=mode, chunk_size=chunk
            )
            got = np.load(out)
            assert_matches(got, getattr(fc, kind)(x, h, mode), x, h, extra=tolerance(x, h))
            assert_matches(got, reference(x, h, mode, kind=kind), x, h)


def test_arguments_as_str_and_existing_dst_replaced(tmp_path):
    x = np.arange(10.0)
    np.save(tmp_path / "in.npy", x)
    np.save(tmp_path / "out.npy", np.zeros(3, dtype=np.int8))  # an older result
    out = fc.convolve_file(str(tmp_path / "in.npy"), [1.0, 1.0], str(tmp_path / "out.npy"))
    assert out == tmp_path / "out.npy"
    np.testing.assert_array_equal(np.load(out), np.convolve(x, [1.0, 1.0]))
    assert _files(tmp_path) == ["in.npy", "out.npy"]


def test_dst_is_a_plain_npy_file(tmp_path):
    """C order, exactly header + data bytes, the permissions numpy.save gives, no suffix
    added, and readable by a memory map."""
    x = np.asfortranarray(np.arange(24.0).reshape(4, 6))
    np.save(tmp_path / "in.npy", x)
    out = fc.convolve_file(tmp_path / "in.npy", [1, 2], tmp_path / "result.bin", axis=0)
    assert out.name == "result.bin"
    with open(out, "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        assert (shape, fortran, dtype) == ((5, 6), False, np.dtype(np.float64))
        assert os.path.getsize(out) == f.tell() + 5 * 6 * 8
    np.testing.assert_array_equal(
        np.load(out, mmap_mode="r"), fc.convolve(x, np.array([[1], [2]]), axes=0)
    )
    assert out.stat().st_mode & 0o777 == (tmp_path / "in.npy").stat().st_mode & 0o777


def test_without_pwrite(tmp_path, monkeypatch):
    """Where os.pwrite is missing (Windows) the runs are written with lseek + write."""
    monkeypatch.delattr(os, "pwrite")
    x = np.arange(3000.0).reshape(3, 1000)
    np.save(tmp_path / "in.npy", x)
    out = fc.convolve_file(tmp_path / "in.npy", [1.0, 2.0], tmp_path / "out.npy", chunk_size=64)
    np.testing.assert_array_equal(np.load(out), fc.convolve(x, np.array([[1.0, 2.0]]), axes=-1))


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_format_versions(tmp_path, version):
    x = np.arange(50, dtype=np.int16)
    with open(tmp_path / "in.npy", "wb") as f:
        np.lib.format.write_array(f, x, version=version)
    out = fc.convolve_file(tmp_path / "in.npy", [1, -1], tmp_path / "out.npy", mode="valid")
    np.testing.assert_array_equal(np.load(out), np.ones(49, dtype=np.int16))


def test_empty_channels_give_an_empty_result(tmp_path):
    np.save(tmp_path / "in.npy", np.zeros((0, 40)))
    out = fc.convolve_file(tmp_path / "in.npy", np.ones(5), tmp_path / "out.npy")
    got = np.load(out)
    assert got.shape == (0, 44) and got.dtype == np.float64


def test_kernel_broadcasts_over_channels(tmp_path):
    """An N-D kernel with more channels than the source (size 1 along that axis)."""
    x = np.arange(20.0).reshape(1, 20)
    h = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    np.save(tmp_path / "in.npy", x)
    out = fc.convolve_file(tmp_path / "in.npy", h, tmp_path / "out.npy", chunk_size=3)
    # Within SPEC §4's bound of each other, as the property test above compares them (an
    # elementwise rtol fails where one method gives an exact 0 and the other 1e-15).
    got, mem = np.load(out), fc.convolve(x, h, axes=-1)
    assert_matches(got, mem, x, h, axes=-1, extra=tolerance(x, h, -1))
    assert_matches(got, reference(x, h, axes=-1), x, h, axes=-1)


# -- errors ---------------------------------------------------------------------------------


def _error_case(tmp_path: Path, name: str) -> tuple[object, object, object, dict]:
    """(src, kernel, dst, keyword arguments) of a call that must fail."""
    good = tmp_path / "good.npy"
    np.save(good, np.arange(10.0))
    dst = tmp_path / "out.npy"
    if name == "npz":
        np.savez(tmp_path / "a.npz", x=np.arange(3.0))
        return tmp_path / "a.npz", [1.0], dst, {}
    if name == "text":
        (tmp_path / "a.txt").write_text("1 2 3\n")
        return tmp_path / "a.txt", [1.0], dst, {}
    if name == "truncated":
        data = good.read_bytes()
        (tmp_path / "cut.npy").write_bytes(data[:-8])
        return tmp_path / "cut.npy", [1.0], dst, {}
    if name == "object":
        np.save(tmp_path / "obj.npy", np.array([1, None], dtype=object), allow_pickle=True)
        return tmp_path / "obj.npy", [1.0], dst, {}
    if name == "structured":
        np.save(tmp_path / "rec.npy", np.zeros(4, dtype=[("a", "f8"), ("b", "i4")]))
        return tmp_path / "rec.npy", [1.0], dst, {}
    if name == "string":
        np.save(tmp_path / "str.npy", np.array(["a", "b"]))
        return tmp_path / "str.npy", [1.0], dst, {}
    if name == "0-d":
        np.save(tmp_path / "scalar.npy", np.float64(3.0))
        return tmp_path / "scalar.npy", [1.0], dst, {}
    if name == "src is dst":
        return good, [1.0], good, {}
    if name == "src is dst (link)":
        os.symlink(good, tmp_path / "link.npy")
        return good, [1.0], tmp_path / "link.npy", {}
    if name == "dst is a directory":
        (tmp_path / "d").mkdir()
        return good, [1.0], tmp_path / "d", {}
    if name == "no dst directory":
        return good, [1.0], tmp_path / "missing" / "out.npy", {}
    if name == "missing src":
        return tmp_path / "missing.npy", [1.0], dst, {}
    if name == "src not a path":
        return 3, [1.0], dst, {}
    kernels = {
        "2-D kernel, 1-D src": np.ones((2, 2)),
        "empty kernel": np.ones(0),
        "0-d kernel": 1.0,
        "string kernel": ["a", "b"],
    }
    if name in kernels:
        return good, kernels[name], dst, {}
    keywords = {
        "kind": {"kind": "convolution"},
        "mode": {"mode": "sam"},
        "axis out of range": {"axis": 1},
        "axis float": {"axis": 0.0},
        "axis bool": {"axis": True},
        "chunk_size 0": {"chunk_size": 0},
        "chunk_size float": {"chunk_size": 2.5},
        "chunk_size bool": {"chunk_size": True},
        "progress": {"progress": "yes"},
    }
    if name == "channels do not broadcast":
        np.save(good, np.zeros((3, 10)))
        return good, np.ones((4, 5)), dst, {}
    return good, [1.0], dst, keywords[name]


ERRORS = [
    ("npz", ValueError, r"a\.npz.*\.npz archive"),
    ("text", ValueError, r"a\.txt.*not a \.npy file"),
    ("truncated", ValueError, r"cut\.npy.*truncated"),
    ("object", TypeError, r"obj\.npy.*dtype object.*accepted"),
    ("structured", TypeError, r"rec\.npy.*accepted"),
    ("string", TypeError, r"str\.npy.*accepted"),
    ("0-d", ValueError, r"scalar\.npy.*0-d"),
    ("src is dst", ValueError, r"src and dst are the same file"),
    ("src is dst (link)", ValueError, r"src and dst are the same file"),
    ("dst is a directory", ValueError, r"dst .*directory"),
    ("no dst directory", FileNotFoundError, r"dst's directory .*missing' does not exist"),
    ("missing src", FileNotFoundError, r"missing\.npy"),
    ("src not a path", TypeError, r"src must be a path"),
    ("2-D kernel, 1-D src", ValueError, r"kernel must be 1-D .*src"),
    ("empty kernel", ValueError, r"kernel must have at least one sample"),
    ("0-d kernel", ValueError, r"kernel must have at least one sample"),
    ("string kernel", TypeError, r"kernel has dtype"),
    ("kind", ValueError, r"kind must be one of 'convolve', 'correlate'"),
    ("mode", ValueError, r"mode must be one of 'full', 'same', 'valid'; got 'sam'"),
    ("axis out of range", ValueError, r"axis=1 is out of range for src of shape \(10,\)"),
    ("axis float", TypeError, r"axis must be an integer"),
    ("axis bool", TypeError, r"axis must be an integer"),
    ("chunk_size 0", ValueError, r"chunk_size must be at least 1; got 0"),
    ("chunk_size float", TypeError, r"chunk_size must be an integer"),
    ("chunk_size bool", TypeError, r"chunk_size must be an integer"),
    ("progress", TypeError, r"progress must be True, False or None"),
    (
        "channels do not broadcast",
        ValueError,
        r"src shape \(3, 10\) and kernel shape \(4, 5\) do not broadcast along axis 0",
    ),
]


@pytest.mark.parametrize("name, error, match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_argument_and_write_nothing(tmp_path, name, error, match):
    src, kernel, dst, keywords = _error_case(tmp_path, name)
    before = _files(tmp_path)
    contents = {p: (tmp_path / p).read_bytes() for p in before if (tmp_path / p).is_file()}
    with pytest.raises(error, match=match):
        fc.convolve_file(src, kernel, dst, **{"progress": False, **keywords})
    assert _files(tmp_path) == before
    assert {p: (tmp_path / p).read_bytes() for p in contents} == contents


def test_integer_overflow_writes_nothing(tmp_path):
    np.save(tmp_path / "in.npy", np.full(100, 200, dtype=np.uint8))
    with pytest.raises(OverflowError):
        fc.convolve_file(tmp_path / "in.npy", np.full(3, 200, np.uint8), tmp_path / "out.npy")
    assert _files(tmp_path) == ["in.npy"]


# -- interrupts: no result, no truncated file, no temporary file -----------------------------


@pytest.fixture(params=[False, True], ids=["no dst", "old dst"])
def old_dst(request, tmp_path):
    """The source (a few chunks long), and None or the bytes of an older dst."""
    np.save(tmp_path / "in.npy", np.arange(1000.0))
    if request.param:
        np.save(tmp_path / "out.npy", np.arange(5))
        return (tmp_path / "out.npy").read_bytes()
    return None


def _assert_untouched(tmp_path: Path, old: bytes | None) -> None:
    if old is None:
        assert _files(tmp_path) == ["in.npy"]
    else:
        assert _files(tmp_path) == ["in.npy", "out.npy"]
        assert (tmp_path / "out.npy").read_bytes() == old


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_exception_in_process_midway(tmp_path, monkeypatch, old_dst, exc):
    calls = []
    process = fc.StreamConvolver.process

    def failing(self, chunk):
        calls.append(1)
        if len(calls) == 3:
            raise exc("interrupted")
        return process(self, chunk)

    monkeypatch.setattr(fc.StreamConvolver, "process", failing)
    with pytest.raises(exc, match="interrupted"):
        fc.convolve_file(tmp_path / "in.npy", np.ones(9), tmp_path / "out.npy", chunk_size=100)
    assert len(calls) == 3
    _assert_untouched(tmp_path, old_dst)


def test_interrupt_from_the_progress_bar(tmp_path, monkeypatch, old_dst, capsys):
    import tqdm

    updates = []

    def interrupted(self, n=1):
        updates.append(n)
        if len(updates) == 2:
            raise KeyboardInterrupt
        return True

    monkeypatch.setattr(tqdm.tqdm, "update", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fc.convolve_file(
            tmp_path / "in.npy", np.ones(9), tmp_path / "out.npy", chunk_size=100, progress=True
        )
    assert len(updates) == 2
    _assert_untouched(tmp_path, old_dst)


def test_exception_in_flush(tmp_path, monkeypatch, old_dst):
    def failing(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(fc.StreamConvolver, "flush", failing)
    with pytest.raises(KeyboardInterrupt):
        fc.convolve_file(tmp_path / "in.npy", np.ones(9), tmp_path / "out.npy", chunk_size=100)
    _assert_untouched(tmp_path, old_dst)


def test_failed_rename_or_fsync(tmp_path, monkeypatch, old_dst):
    def failing(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(_file.os, "fsync", failing)
    with pytest.raises(OSError, match="disk went away"):
        fc.convolve_file(tmp_path / "in.npy", np.ones(9), tmp_path / "out.npy")
    _assert_untouched(tmp_path, old_dst)


def test_wrong_stream_output_is_never_committed(tmp_path, monkeypatch, old_dst):
    """A stream that returns too few samples (a bug) raises instead of writing dst."""
    flush = fc.StreamConvolver.flush
    monkeypatch.setattr(fc.StreamConvolver, "flush", lambda self: flush(self)[:-1])
    with pytest.raises(RuntimeError, match="expected 1008"):
        fc.convolve_file(tmp_path / "in.npy", np.ones(9), tmp_path / "out.npy")
    _assert_untouched(tmp_path, old_dst)


# -- progress bar ---------------------------------------------------------------------------


def test_progress_true_draws_a_bar_on_stderr(tmp_path, capsys):
    np.save(tmp_path / "signal.npy", np.arange(1000.0))
    fc.convolve_file(tmp_path / "signal.npy", [1.0], tmp_path / "o.npy", progress=True)
    captured = capsys.readouterr()
    assert "signal.npy" in captured.err and "100%" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("progress", [False, None])
def test_no_bar_when_disabled_or_not_a_terminal(tmp_path, capsys, progress):
    np.save(tmp_path / "signal.npy", np.arange(1000.0))
    fc.convolve_file(tmp_path / "signal.npy", [1.0], tmp_path / "o.npy", progress=progress)
    assert capsys.readouterr() == ("", "")


def test_bar_by_default_on_a_terminal(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    np.save(tmp_path / "signal.npy", np.arange(1000.0))
    fc.convolve_file(tmp_path / "signal.npy", [1.0], tmp_path / "o.npy")
    assert "100%" in terminal.getvalue()


# -- constant memory ------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_process_leaves_no_loadable_file(tmp_path):
    """A process killed (SIGKILL, no cleanup) in the middle of writing leaves `dst` as
    it was, and its hidden temporary file is no loadable .npy: the header is written
    last, after every sample."""
    import signal
    import time

    np.save(tmp_path / "in.npy", np.zeros(2**20))
    np.save(tmp_path / "out.npy", np.arange(5))
    old = (tmp_path / "out.npy").read_bytes()
    script = textwrap.dedent(
        f"""
        import sys, numpy as np, fftconv as fc
        class Slow(fc.StreamConvolver):  # a chunk every 20 ms: killed long before the end
            def process(self, chunk):
                import time; time.sleep(0.02); print("chunk", flush=True)
                return super().process(chunk)
        fc._file.StreamConvolver = Slow
        d = {str(tmp_path)!r}
        fc.convolve_file(d + "/in.npy", np.ones(9), d + "/out.npy", chunk_size=2**12)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        for _ in range(5):  # some chunks written
            assert child.stdout.readline().startswith("chunk")
        partial = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
        assert len(partial) == 1 and partial[0].stat().st_size > 2**20
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    time.sleep(0.01)
    assert (tmp_path / "out.npy").read_bytes() == old
    with pytest.raises(ValueError):  # not an .npy: no magic string, no header
        np.load(partial[0])


def test_resident_memory_does_not_grow_with_the_file(tmp_path):
    """In a fresh process: the peak RSS (VmHWM) of convolving a 64 MiB file in 1 MiB
    chunks exceeds that of a 1 MiB file by far less than the file (both are read
    through a memory map, whose pages would otherwise stay resident)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc (Linux)")
    rng = np.random.default_rng(3)
    with open(tmp_path / "big.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (2**23,)}
        )
        for _ in range(8):  # 8 MiB at a time
            f.write(rng.standard_normal(2**20).tobytes())
    np.save(tmp_path / "small.npy", rng.standard_normal(2**17))
    script = textwrap.dedent(
        f"""
        import numpy as np, fftconv as fc
        def peak():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) // 1024
        h = np.hanning(1001)
        d = {str(tmp_path)!r}
        fc.convolve_file(d + "/small.npy", h, d + "/o1.npy", chunk_size=2**17)
        before = peak()
        fc.convolve_file(d + "/big.npy", h, d + "/o2.npy", chunk_size=2**17)
        print(before, peak())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, after = map(int, result.stdout.split())
    assert after - before < 24, f"peak RSS grew by {after - before} MiB for a 64 MiB file"
    got = np.load(tmp_path / "o2.npy", mmap_mode="r")
    x = np.load(tmp_path / "big.npy", mmap_mode="r")
    for start in (0, 2**22 - 3000, 2**23 - 5000):  # spot checks, across chunk boundaries
        part = fc.convolve(np.asarray(x[max(start - 1000, 0) : start + 5000]), np.hanning(1001))
        offset = min(start, 1000)
        np.testing.assert_allclose(
            got[start : start + 4000], part[offset : offset + 4000], rtol=0, atol=1e-9
        )
