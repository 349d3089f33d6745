"""`StreamConvolver`: the outputs of a chunked signal, concatenated, equal the in-memory
`convolve`/`correlate` of the whole signal (exactly for integers and booleans, within SPEC §4's
norm-wise bound for floats) for any chunking, block size, kernel, mode and channel layout;
`process` returns every final sample; bad chunks raise and leave the stream as it was."""

import contextlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _stream
from fftconv._dispatch import Choice

from ._data import BACKENDS, MODES, OPS, random_array, random_pair, seed_of
from .reference import assert_matches, reference, tolerance

STREAM_DTYPES = (
    np.bool_,
    np.int8,
    np.int32,
    np.int64,
    np.uint16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
)
# How a stream computes each step: the cost model's choice, or forced to one path so that
# both the direct sum and overlap-save are exercised whatever the cost model says.
PATHS = ("auto", "direct", "fft")


def _dtype_id(dt):
    return np.dtype(dt).name


def _final_count(mode, t, m):
    """Outputs of the whole-signal `mode` window that are final after `t` input samples."""
    if mode == "full":
        return t
    if mode == "same":
        return max(0, t - (m - 1) // 2)
    return max(0, t - (m - 1))


@contextlib.contextmanager
def _forced(path):
    """Force every step of a stream onto the direct sum or the overlap-save engine."""
    if path == "auto":
        yield
        return
    with mock.patch.object(_stream, "choose", lambda *a, **k: Choice(path, {})):
        yield


def _stream_all(stream, chunks, *, axis=-1, mode="full", m=None):
    """Feed `chunks`, then flush; check after every chunk that the outputs returned so far
    are exactly the final ones; return the concatenated outputs."""
    parts, seen, returned = [], 0, 0
    for chunk in chunks:
        out = stream.process(chunk)
        seen += chunk.shape[axis]
        returned += out.shape[axis]
        if m is not None:
            assert returned == _final_count(mode, seen, m), (seen, returned, mode, m)
        parts.append(out)
    parts.append(stream.flush())
    return np.concatenate(parts, axis=axis)


def _split(x, cuts, axis=-1):
    return np.split(x, sorted(cuts), axis=axis)


@st.composite
def cut_points(draw, n):
    """Where to cut a signal of `n` samples: not at all, before every sample, or at random
    points (repeats and the ends give empty chunks)."""
    style = draw(st.sampled_from(["whole", "ones", "random", "random"]))
    if style == "whole":
        return draw(st.sampled_from([[], [0, 0, n, n]]))
    if style == "ones":
        return list(range(1, n))
    return sorted(draw(st.lists(st.integers(0, n), max_size=12)))


def _check_against(got, x, h, mode, kind, axes=None):
    """`got` equals the naive reference and the one-shot result (same dtype)."""
    ref = reference(x, h, mode, kind=kind, axes=axes)
    assert_matches(got, ref, x, h, axes=axes)
    one = getattr(fc, kind)(x, h, mode, axes=axes)
    assert got.dtype == one.dtype == np.result_type(x, h)
    if got.dtype.kind in "biu":
        assert np.array_equal(got, one)
    else:
        # two approximations of the reference: each within the bound
        assert_matches(got, one, x, h, axes=axes, extra=tolerance(x, h, axes))


# --- property tests: any chunking equals the whole signal --------------------------------------
@settings(max_examples=90)
@given(
    data=st.data(),
    dtype=st.sampled_from(STREAM_DTYPES),
    kind=st.sampled_from(OPS),
    mode=st.sampled_from(MODES),
    path=st.sampled_from(PATHS),
)
def test_chunked_1d_equals_whole_signal(data, dtype, kind, mode, path):
    n = data.draw(st.integers(1, 600) | st.integers(1, 20), label="n")
    m = data.draw(st.integers(1, 80) | st.integers(1, 8), label="m")
    block = data.draw(st.none() | st.integers(1, 64), label="block_size")
    x, h = random_pair((n,), (m,), dtype, seed=data.draw(st.integers(0, 2**32 - 1)))
    cuts = data.draw(cut_points(n), label="cuts")
    with _forced(path):
        stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=block)
        got = _stream_all(stream, _split(x, cuts), mode=mode, m=m)
    _check_against(got, x, h, mode, kind)


@st.composite
def multichannel_case(draw):
    """Chunks of 2 or 3 dimensions with time along any axis; a 1-D kernel, or an N-D kernel
    whose channel axes broadcast with the chunk's (either side may have size 1)."""
    ndim = draw(st.integers(2, 3))
    axis = draw(st.integers(-ndim, ndim - 1))
    ax = axis % ndim
    n = draw(st.integers(1, 100))
    m = draw(st.integers(1, 16))
    sig, ker = [], []
    for a in range(ndim):
        if a == ax:
            sig.append(n)
            ker.append(m)
        else:
            c = draw(st.integers(1, 2 if ndim == 3 else 3))
            s, k = draw(st.sampled_from([(c, c), (c, 1), (1, c)]))
            sig.append(s)
            ker.append(k)
    one_d = draw(st.booleans())
    if one_d:
        ker = [1 if a != ax else m for a in range(ndim)]
    return tuple(sig), tuple(ker), axis, one_d


@settings(max_examples=50)
@given(
    data=st.data(),
    case=multichannel_case(),
    dtype=st.sampled_from(STREAM_DTYPES),
    kind=st.sampled_from(OPS),
    mode=st.sampled_from(MODES),
    path=st.sampled_from(PATHS),
)
def test_chunked_multichannel_equals_whole_signal(data, case, dtype, kind, mode, path):
    sig, ker, axis, one_d = case
    ax = axis % len(sig)
    x, h_nd = random_pair(sig, ker, dtype, axes=ax, seed=data.draw(st.integers(0, 2**32 - 1)))
    kernel = h_nd.reshape(-1) if one_d else h_nd
    block = data.draw(st.none() | st.integers(1, 32), label="block_size")
    cuts = data.draw(cut_points(sig[ax]), label="cuts")
    with _forced(path):
        stream = fc.StreamConvolver(kernel, kind=kind, mode=mode, block_size=block, axis=axis)
        got = _stream_all(stream, _split(x, cuts, ax), axis=ax, mode=mode, m=ker[ax])
    _check_against(got, x, h_nd, mode, kind, axes=ax)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("n", "m"), [(1, 2), (1, 80), (5, 6), (5, 80), (7, 7), (79, 80)])
@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.complex128], ids=_dtype_id)
def test_kernel_longer_than_signal(dtype, n, m, mode, kind):
    """Mode 'valid' swaps the inputs (scipy's rule): the outputs all come from flush()."""
    x, h = random_pair((n,), (m,), dtype, seed=seed_of("long-kernel", n, m))
    for block in (None, 1, 3):
        for chunks in (_split(x, []), _split(x, range(1, n)), _split(x, [0, n // 2, n])):
            stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=block)
            got = _stream_all(stream, chunks, mode=mode, m=m)
            _check_against(got, x, h, mode, kind)


# --- final so far -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("m", [1, 2, 7, 8, 40])
@pytest.mark.parametrize("block", [None, 1, 16])
def test_process_returns_every_final_sample(block, m, mode, kind):
    """After t samples: t outputs in 'full' (not only whole blocks), t - (M-1)//2 in 'same',
    t - (M-1) in 'valid', and each is already the final value."""
    x, h = random_pair((150,), (m,), np.int32, seed=seed_of("final", m))
    whole = getattr(fc, kind)(x, h, mode)
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=block)
    got, t = [], 0
    for size in [1, 0, 3, 1, 17, 2, 50, 1, 1, 30, 44]:
        out = stream.process(x[t : t + size])
        t += size
        got.append(out)
        so_far = np.concatenate(got)
        assert so_far.shape == (_final_count(mode, t, m),)
        assert np.array_equal(so_far, whole[: so_far.shape[0]])
    assert t == 150
    assert np.array_equal(np.concatenate([*got, stream.flush()]), whole)


# --- chunks far larger than the block, and steps -----------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("block", [64, None])
def test_chunks_far_larger_than_the_block(block, mode, kind):
    rng = np.random.default_rng(seed_of("large", block, mode, kind))
    x = rng.standard_normal(300_000)
    h = rng.standard_normal(31)
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=block)
    cuts = [5, 300_000 - 7, 300_000 - 7]  # a tiny chunk, a huge one, an empty one, a tail
    got = _stream_all(stream, _split(x, cuts), mode=mode, m=31)
    one = getattr(fc, kind)(x, h, mode)
    assert got.dtype == one.dtype and got.shape == one.shape
    assert np.isfinite(got).all()
    assert np.max(np.abs(got - one)) <= 2 * tolerance(x, h)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.float64, np.complex128])
def test_overlap_save_on_every_backend(dtype, backend):
    x, h = random_pair((20_000,), (45,), dtype, seed=seed_of("backend", dtype, backend))
    for kind in OPS:
        with fc.set_backend(backend), _forced("fft"):
            stream = fc.StreamConvolver(h, kind=kind, mode="same", block_size=50)
        with _forced("fft"):
            got = _stream_all(stream, _split(x, [3, 3, 1000, 1001, 15_000]), mode="same", m=45)
        one = getattr(fc, kind)(x, h, "same")
        assert got.dtype == one.dtype
        assert_matches(got, one, x, h, extra=tolerance(x, h))


def test_large_integer_chunk_is_exact():
    rng = np.random.default_rng(seed_of("large-int"))
    x = rng.integers(-1000, 1000, size=300_000, dtype=np.int32)
    h = rng.integers(-1000, 1000, size=31, dtype=np.int32)
    for kind in OPS:
        stream = fc.StreamConvolver(h, kind=kind, block_size=64)
        got = _stream_all(stream, _split(x, [250_000]), m=31)
        assert got.dtype == np.int32
        assert np.array_equal(got, getattr(fc, kind)(x, h))


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("m", "block"), [(5, 8), (5, None), (70, 8), (3, 1)])
def test_chunk_larger_than_step(monkeypatch, m, block, mode, kind):
    """A chunk is processed in steps of about STEP_SAMPLES new samples: no step reads more
    than ``step + M - 1`` samples, and the result is unchanged."""
    monkeypatch.setattr(_stream, "STEP_SAMPLES", 50)
    lengths = []
    valid = _stream.StreamConvolver._valid

    def spy(self, data):
        lengths.append(data.shape[self._ax])
        return valid(self, data)

    monkeypatch.setattr(_stream.StreamConvolver, "_valid", spy)
    x, h = random_pair((2, 1000), (m,), np.float64, seed=seed_of("step", m, block))
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=block)
    got = _stream_all(stream, _split(x, [7, 900, 900]), mode=mode, m=m)
    step = stream._step
    assert step < 893
    assert max(lengths) <= step + m - 1
    assert len(lengths) >= 893 // step + 1
    h2 = h.reshape(1, -1)
    assert_matches(got, reference(x, h2, mode, kind=kind, axes=1), x, h2, axes=1)


# --- non-finite values --------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128], ids=_dtype_id)
def test_nonfinite_values_stay_local(dtype, mode, kind, path):
    """A NaN or inf in the signal reaches only the outputs whose window covers it, also
    across chunk boundaries (the pattern is compared by assert_matches)."""
    x, h = random_pair((400,), (21,), dtype, seed=seed_of("nonfinite", dtype))
    x[[3, 150, 151]] = np.nan
    x[250] = np.inf
    x[390] = -np.inf
    if np.dtype(dtype).kind == "c":
        x[300] = complex(0, np.inf)
    with _forced(path):
        for cuts in ([], [149, 152, 260], range(0, 400, 37)):
            stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=32)
            got = _stream_all(stream, _split(x, cuts), mode=mode, m=21)
            assert_matches(got, reference(x, h, mode, kind=kind), x, h)
    # only a window's worth of outputs is non-finite: not smeared over a block
    bad = ~np.isfinite(got)
    assert 0 < bad.sum() <= 6 * 21


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", OPS)
def test_nonfinite_kernel(kind, path):
    x, h = random_pair((200,), (9,), np.float64, seed=seed_of("nonfinite-kernel"))
    h[4] = np.inf
    x[10] = 0.0  # inf * 0 = NaN at the outputs that pair them
    with _forced(path):
        stream = fc.StreamConvolver(h, kind=kind, block_size=16)
        got = _stream_all(stream, _split(x, [1, 50, 120]), m=9)
    assert_matches(got, reference(x, h, kind=kind), x, h)


@pytest.mark.parametrize("path", PATHS)
def test_nonfinite_kernel_tap_meets_no_sample_outside_the_signal(path):
    """There is no sample before or after the signal (SPEC §1: not a term, SPEC §4: the
    direct sum's answer), so an inf kernel tap must not meet an implicit zero (0 * inf =
    NaN): outputs 0 and 1 of this convolution are the finite 1 and 4."""
    h = np.array([1.0, 2.0, np.inf, 1.0])
    x = np.array([1.0, 2.0, 0.0, 3.0, 4.0, 5.0])
    whole = fc.convolve(x, h)
    assert np.array_equal(
        whole, [1.0, 4.0, np.inf, np.inf, np.nan, np.inf, np.inf, np.inf, 5.0], equal_nan=True
    )
    with _forced(path):
        stream = fc.StreamConvolver(h)
        got = np.concatenate([stream.process(x), stream.flush()])
    assert np.array_equal(got, whole, equal_nan=True)


# --- integer overflow ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
def test_overflow_in_process_leaves_the_stream_as_before(mode, kind, path):
    """OverflowError from process(); the failing chunk is not consumed: the stream goes on
    as if it had never been passed (its history, sample count and held outputs are
    unchanged)."""
    h = np.array([3, -2, 1, 2], dtype=np.int8)
    good1 = np.array([1, -2, 3, 4, 0, -1, 2], dtype=np.int8)
    bad = np.full(10, 100, dtype=np.int8)  # 100 * (3 + 2) = 500 > 127
    good2 = np.array([5, -5, 1, 0, 2], dtype=np.int8)
    with _forced(path):
        stream = fc.StreamConvolver(h, kind=kind, mode=mode)
        parts = [stream.process(good1)]
        history = stream._history.copy()
        with pytest.raises(OverflowError, match=r"int8.*int16"):
            stream.process(bad)
        assert np.array_equal(stream._history, history)
        assert stream._seen == good1.size
        parts += [stream.process(good2), stream.flush()]
    x = np.concatenate([good1, good2])
    assert_matches(np.concatenate(parts), reference(x, h, mode, kind=kind), x, h)


@pytest.mark.parametrize("kind", OPS)
def test_overflow_on_the_first_chunk_resets(kind):
    """An overflow on the first chunk leaves the stream unstarted: the next chunk is the
    first (observed: it may even have another dtype)."""
    h = np.array([100, 100], dtype=np.int8)
    stream = fc.StreamConvolver(h, kind=kind)
    with pytest.raises(OverflowError):
        stream.process(np.array([100, 100, 100], dtype=np.int8))
    with pytest.raises(ValueError, match="no samples"):
        stream.flush()
    x = np.array([1, -1, 0, 1], dtype=np.int8)
    got = _stream_all(stream, [x[:1], x[1:]], m=2)
    assert_matches(got, reference(x, h, kind=kind), x, h)
    # the layout is fixed by the first successful chunk
    stream = fc.StreamConvolver(h, kind=kind)
    with pytest.raises(OverflowError):
        stream.process(np.array([100, 100, 100], dtype=np.int8))
    y = np.array([100, -100, 7], dtype=np.int16)
    got = _stream_all(stream, [y], m=2)
    assert_matches(got, reference(y, h, kind=kind), y, h)


def test_overflow_in_flush():
    """The last outputs (from flush) overflow: OverflowError, and the stream is left as
    before the call (observed: flush does not reset it, so the signal can go on)."""
    h = np.array([1, -1], dtype=np.int8)
    x = np.array([0, -128], dtype=np.int8)  # full: [0, -128, 128]
    with pytest.raises(OverflowError):
        fc.convolve(x, h)
    stream = fc.StreamConvolver(h)
    assert np.array_equal(stream.process(x), [0, -128])
    with pytest.raises(OverflowError, match="int16"):
        stream.flush()
    assert np.array_equal(stream.process(np.array([-100], dtype=np.int8)), [28])
    assert np.array_equal(stream.flush(), [100])
    assert np.array_equal(stream.process(np.array([3], dtype=np.int8)), [3])


# --- reuse --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
def test_reuse_after_flush(mode, kind):
    """flush() resets the stream: the next signal starts from zeros (no history, no held
    'valid' outputs) and may be shorter or longer than the kernel."""
    h = random_array(np.random.default_rng(1), (9,), np.float64)
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=4)
    for i, n in enumerate([50, 3, 9, 120, 1, 8]):
        x = random_array(np.random.default_rng(i), (n,), np.float64)
        got = _stream_all(stream, _split(x, [1, n // 3, n // 3]), mode=mode, m=9)
        assert_matches(got, reference(x, h, mode, kind=kind), x, h)


def test_reuse_with_another_layout_after_flush():
    """Observed: after flush() the next signal's first chunk fixes dtype and channels anew."""
    h = np.array([1.0, 2.0, -1.0])
    stream = fc.StreamConvolver(h)
    x = np.arange(10.0)
    assert np.allclose(_stream_all(stream, [x]), np.convolve(x, h))
    y = np.arange(12, dtype=np.int16).reshape(2, 6)
    got = _stream_all(stream, [y[:, :2], y[:, 2:]])
    assert got.dtype == np.float64
    assert np.allclose(got, np.stack([np.convolve(r, h) for r in y]))
    stream.process(np.arange(4.0).reshape(2, 2))  # a third signal, float64 again
    with pytest.raises(ValueError, match="dtype int16; the first chunk had float64"):
        stream.process(np.arange(4, dtype=np.int16).reshape(2, 2))


# --- errors -------------------------------------------------------------------------------------
def _started(**kwargs):
    """A stream whose first chunk, (2, 5) float64, has been processed (5 outputs)."""
    stream = fc.StreamConvolver(np.array([1.0, 2.0, 3.0]), **kwargs)
    assert stream.process(np.zeros((2, 5))).shape == (2, 5)
    return stream


def test_chunk_errors_name_the_problem():
    stream = _started()
    with pytest.raises(ValueError, match=r"chunk has dtype float32; the first chunk had float64"):
        stream.process(np.zeros((2, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"chunk has dtype int64; the first chunk had float64"):
        stream.process(np.zeros((2, 5), dtype=np.int64))
    with pytest.raises(ValueError, match=r"chunk has shape \(3, 5\).*channel axes"):
        stream.process(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"chunk has 1 dimension\(s\); the first chunk had 2"):
        stream.process(np.zeros(5))
    with pytest.raises(ValueError, match=r"chunk has 3 dimension\(s\); the first chunk had 2"):
        stream.process(np.zeros((2, 5, 1)))
    with pytest.raises(ValueError, match=r"chunk has 0 dimension\(s\)"):
        stream.process(1.0)
    with pytest.raises(TypeError, match=r"chunk has dtype <U1"):
        stream.process(np.array([["a"], ["b"]]))
    with pytest.raises(TypeError, match=r"chunk has dtype object"):
        stream.process(np.array([[None], [None]]))
    with pytest.raises(TypeError, match=r"chunk could not be converted"):
        stream.process([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"chunk is a masked array"):
        stream.process(np.ma.zeros((2, 5)))
    # the stream is unharmed by rejected chunks
    x = np.arange(12.0).reshape(2, 6)
    parts = [np.zeros((2, 5)), stream.process(x), stream.flush()]
    whole = fc.convolve(np.concatenate([np.zeros((2, 5)), x], axis=1), np.array([[1.0, 2, 3]]))
    assert np.allclose(np.concatenate(parts, axis=1), whole)


def test_empty_chunks_are_fine():
    stream = _started()
    for empty in (np.zeros((2, 0)), np.empty((2, 0))):
        out = stream.process(empty)
        assert out.shape == (2, 0) and out.dtype == np.float64


def test_first_chunk_errors():
    with pytest.raises(ValueError, match=r"chunk has dtype float32; this stream expects float64"):
        fc.StreamConvolver([1.0], dtype=np.float64).process(np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"chunk has dtype int64; this stream expects int32"):
        fc.StreamConvolver([1], dtype="int32").process([1, 2, 3])
    with pytest.raises(ValueError, match=r"chunk must have at least one dimension"):
        fc.StreamConvolver([1.0]).process(3.0)
    with pytest.raises(ValueError, match=r"axis=2 is out of range for chunks with 2 dim"):
        fc.StreamConvolver([1.0], axis=2).process(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"axis=-3 is out of range for chunks with 2 dim"):
        fc.StreamConvolver([1.0], axis=-3).process(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"same number of dimensions.*kernel"):
        fc.StreamConvolver(np.ones((1, 3))).process(np.zeros(5))
    with pytest.raises(ValueError, match=r"do not broadcast along axis 0"):
        fc.StreamConvolver(np.ones((3, 3))).process(np.zeros((2, 5)))
    with pytest.raises(TypeError, match=r"chunk has dtype <U"):
        fc.StreamConvolver([1.0]).process(["a", "b"])
    # a rejected first chunk leaves the stream unstarted
    stream = fc.StreamConvolver([1.0, 1.0], dtype=np.int16)
    with pytest.raises(ValueError, match="expects int16"):
        stream.process(np.zeros(3))
    assert np.array_equal(_stream_all(stream, [np.array([1, 2], dtype=np.int16)]), [1, 3, 2])


def test_dtype_argument():
    stream = fc.StreamConvolver([1.0, 2.0], dtype="float32")
    assert stream.process(np.ones(3, dtype=np.float32)).dtype == np.float64
    # byte order is not part of the dtype: a big-endian chunk is converted, not rejected
    stream = fc.StreamConvolver([1.0, 2.0], dtype=np.dtype(">f8"))
    out = stream.process(np.arange(3.0).astype(">f8"))
    assert np.array_equal(np.concatenate([out, stream.flush()]), [0.0, 1.0, 4.0, 4.0])
    with pytest.raises(
        TypeError, match=r"dtype must be bool, an integer, a float or a complex dtype; got <U3"
    ):
        fc.StreamConvolver([1.0], dtype="U3")
    with pytest.raises(TypeError, match=r"dtype must be a numeric dtype"):
        fc.StreamConvolver([1.0], dtype="no such dtype")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"kind": "conv"}, ValueError, r"kind must be one of 'convolve', 'correlate'; got 'conv'"),
        ({"kind": None}, ValueError, r"kind must be one of .*; got None"),
        ({"mode": "circular"}, ValueError, r"mode must be one of 'full', 'same', 'valid'"),
        ({"mode": 1}, ValueError, r"mode must be one of .*; got 1"),
        ({"block_size": 0}, ValueError, r"block_size must be at least 1; got 0"),
        ({"block_size": -5}, ValueError, r"block_size must be at least 1; got -5"),
        ({"block_size": 8.0}, TypeError, r"block_size must be an integer; got 8.0"),
        ({"block_size": 2.5}, TypeError, r"block_size must be an integer; got 2.5"),
        ({"block_size": True}, TypeError, r"block_size must be an integer; got True"),
        ({"block_size": np.True_}, TypeError, r"block_size must be an integer"),
        ({"block_size": "64"}, TypeError, r"block_size must be an integer; got '64'"),
        ({"axis": 1.0}, TypeError, r"axis must be an integer; got 1.0"),
        ({"axis": True}, TypeError, r"axis must be an integer; got True"),
        ({"axis": None}, TypeError, r"axis must be an integer; got None"),
        ({"axis": "0"}, TypeError, r"axis must be an integer; got '0'"),
    ],
)
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        fc.StreamConvolver([1.0, 2.0], **kwargs)


def test_kernel_errors():
    with pytest.raises(ValueError, match=r"kernel must have at least one sample; got shape \(0,\)"):
        fc.StreamConvolver([])
    with pytest.raises(ValueError, match=r"kernel must have at least one sample; got shape \(\)"):
        fc.StreamConvolver(1.0)
    with pytest.raises(ValueError, match=r"kernel must have at least one sample.*\(2, 0\)"):
        fc.StreamConvolver(np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"axis=2 is out of range for a kernel of shape \(2, 3\)"):
        fc.StreamConvolver(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=r"axis=-3 is out of range for a kernel of shape"):
        fc.StreamConvolver(np.ones((2, 3)), axis=-3)
    with pytest.raises(TypeError, match=r"kernel has dtype <U1"):
        fc.StreamConvolver(["a"])
    with pytest.raises(TypeError, match=r"kernel is a masked array"):
        fc.StreamConvolver(np.ma.ones(3))
    # numpy integer types are integers
    stream = fc.StreamConvolver([1, 1], block_size=np.int64(4), axis=np.int8(0))
    assert np.array_equal(_stream_all(stream, [np.array([1, 2])]), [1, 3, 2])


def test_flush_without_samples():
    stream = fc.StreamConvolver([1.0, 2.0])
    with pytest.raises(ValueError, match=r"flush: no samples were processed"):
        stream.flush()
    stream.process(np.zeros(0))
    stream.process(np.zeros(0))
    with pytest.raises(ValueError, match=r"flush: no samples were processed"):
        stream.flush()
    stream.process(np.ones(2))
    stream.flush()
    with pytest.raises(ValueError, match=r"flush: no samples were processed"):
        stream.flush()  # a second flush: the new signal is empty
    # an empty (2, 0) first chunk fixed nothing for good: flush reset the stream
    stream.process(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="no samples"):
        stream.flush()
    assert np.array_equal(_stream_all(stream, [np.ones(1)]), [1.0, 2.0])


# --- inputs, outputs and the kernel are not shared ----------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("m", [1, 4, 30])
def test_inputs_never_modified_and_outputs_never_alias(m, mode):
    rng = np.random.default_rng(seed_of("alias", m, mode))
    kernel = rng.standard_normal((2, m))
    kernel_copy = kernel.copy()
    x = rng.standard_normal((2, 100))
    whole = fc.convolve(x, kernel, mode, axes=1)
    kernel.flags.writeable = False  # writing to an input would raise
    stream = fc.StreamConvolver(kernel, mode=mode, block_size=8)
    kernel.flags.writeable = True
    kernel[...] = 7.0  # the kernel was copied at construction
    chunks = [x[:, a:b].copy() for a, b in [(0, 2), (2, 2), (2, 60), (60, 61), (61, 100)]]
    outputs = []
    for chunk in chunks:
        chunk.flags.writeable = False
        out = stream.process(chunk)
        assert not np.shares_memory(out, chunk)
        assert not np.shares_memory(stream._history, chunk)
        for earlier in outputs:
            assert not np.shares_memory(out, earlier)
        outputs.append(out.copy())
        out[...] = -1.0  # the caller may write to what it was given
        chunk.flags.writeable = True
        chunk[...] = 1e6  # and reuse its chunk buffers
    outputs.append(stream.flush())
    got = np.concatenate(outputs, axis=1)
    assert_matches(got, whole, x, kernel_copy, axes=1, extra=tolerance(x, kernel_copy, axes=1))
    assert np.array_equal(kernel, np.full((2, m), 7.0))


# --- memory -------------------------------------------------------------------------------------
def _owned_nbytes(a):
    """Bytes of the buffer that `a` keeps alive."""
    while a.base is not None and isinstance(a.base, np.ndarray):
        a = a.base
    return a.nbytes


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
def test_retained_state_is_bounded_by_the_kernel(kind, mode):
    """Whatever the chunk sizes, the instance keeps the last M - 1 inputs per channel and,
    in mode 'valid', at most M - 1 held outputs per channel: O(kernel), not O(signal)."""
    m, channels = 25, 3
    rng = np.random.default_rng(seed_of("memory", kind, mode))
    h = rng.standard_normal(m)
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, block_size=16)
    limit = (m - 1) * channels * 8
    chunks = []
    for i in range(120):
        size = int(rng.choice([0, 1, 5, 24, 25, 200, 3000]))
        chunk = rng.standard_normal((channels, size))
        chunks.append(chunk)
        stream.process(chunk)
        assert stream._history.shape == (channels, m - 1), i
        assert _owned_nbytes(stream._history) <= 2 * limit
        assert stream._head.shape[0] == channels and stream._head.shape[1] <= m - 1
        assert _owned_nbytes(stream._head) <= 2 * limit
        # Kernel spectra: one per transform length, powers of two up to the block's.
        assert len(stream._spectra) <= stream._length.bit_length()
        assert sum(s.nbytes for s in stream._spectra.values()) <= 2 * 16 * stream._length
    total = sum(c.shape[1] for c in chunks)
    assert stream._seen == total
    tail = stream.flush()
    assert tail.shape[1] == {"full": m - 1, "same": m - 1 - (m - 1) // 2, "valid": 0}[mode]


# --- dtypes and shapes --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("chunk_dtype", "kernel_dtype"),
    [
        (np.bool_, np.bool_),
        (np.bool_, np.int8),
        (np.int8, np.uint8),
        (np.uint16, np.int32),
        (np.int16, np.float32),
        (np.int64, np.float32),
        (np.float16, np.float16),
        (np.float32, np.float64),
        (np.float32, np.complex64),
        (np.float64, np.complex64),
        (np.uint64, np.int64),
    ],
    ids=lambda d: np.dtype(d).name,
)
@pytest.mark.parametrize("mode", MODES)
def test_result_dtype(chunk_dtype, kernel_dtype, mode):
    x, h = random_pair((40,), (6,), chunk_dtype, kernel_dtype, seed=seed_of(chunk_dtype))
    expected = np.result_type(x, h)
    stream = fc.StreamConvolver(h, mode=mode, block_size=4)
    outs = [stream.process(x[:0]), stream.process(x[:3]), stream.process(x[3:])]
    outs.append(stream.flush())
    for out in outs:
        assert out.dtype == expected
    assert_matches(np.concatenate(outs), reference(x, h, mode), x, h)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("chunk_shape", "kernel_shape", "axis", "out_shape"),
    [
        ((0,), (5,), -1, (0,)),
        ((3, 0), (5,), -1, (3, 0)),
        ((0, 3), (5,), 0, (0, 3)),
        ((2, 0, 3), (5,), 1, (2, 0, 3)),
        ((3, 0), (3, 5), -1, (3, 0)),
        ((1, 0), (4, 5), -1, (4, 0)),  # the kernel's channels broadcast the output's
        ((2, 0, 1), (1, 5, 3), 1, (2, 0, 3)),
    ],
)
def test_empty_chunk_outputs(chunk_shape, kernel_shape, axis, out_shape, mode):
    h = np.ones(kernel_shape, dtype=np.float32)
    stream = fc.StreamConvolver(h, mode=mode, axis=axis)
    out = stream.process(np.zeros(chunk_shape, dtype=np.int8))  # an empty first chunk
    assert out.shape == out_shape and out.dtype == np.float32
    out = stream.process(np.zeros(chunk_shape, dtype=np.int8))
    assert out.shape == out_shape and out.dtype == np.float32
    grown = list(chunk_shape)
    grown[axis] = 7
    x = np.ones(grown, dtype=np.int8)
    got = _stream_all(stream, [x], axis=axis)
    h_nd = h.reshape(_nd(h, x, axis))
    assert_matches(got, reference(x, h_nd, mode, axes=axis), x, h_nd, axes=axis)


def _nd(h, x, axis):
    """The shape of a 1-D kernel placed along `axis` of `x`'s dimensions."""
    if h.ndim == x.ndim:
        return h.shape
    shape = [1] * x.ndim
    shape[axis] = h.size
    return tuple(shape)


def test_docstring_example():
    rng = np.random.default_rng(0)
    signal, kernel = rng.standard_normal(10_000), np.hanning(101)
    stream = fc.StreamConvolver(kernel, mode="same")
    parts = [stream.process(chunk) for chunk in np.array_split(signal, 7)]
    parts.append(stream.flush())
    got = np.concatenate(parts)
    one = fc.convolve(signal, kernel, mode="same")
    assert_matches(got, one, signal, kernel, extra=tolerance(signal, kernel))
    assert stream.taps == 101
