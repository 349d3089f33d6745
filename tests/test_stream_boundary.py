"""`StreamConvolver` with boundary= and fillvalue=: the outputs of a chunked signal,
concatenated, equal the one-shot `convolve`/`correlate` with the same boundary (exactly for
integers, within SPEC §4's bound on the extended input for floats) for any chunking, kernel,
mode, rule, kind, dtype and channel layout; 'wrap' is refused where it reads the extension;
a signal too short for one reflection is still numpy.pad's extension; inputs are never
written to, and the retained state stays O(kernel)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _stream

from ._data import OPS, random_array, seed_of
from .reference import assert_matches, reference, tolerance
from .test_stream import _final_count, _forced, _split, cut_points, multichannel_case

MODES = ("full", "same", "valid")
PATHS = ("auto", "direct", "fft")
# The rules a stream supports, under their own and scipy's names.
STREAMABLE = {
    "fill": "fill",
    "symm": "symm",
    "mirror": "mirror",
    "edge": "edge",
    "constant": "fill",
    "symmetric": "symm",
    "nearest": "edge",
}
NUMPY_PAD = {"fill": "constant", "wrap": "wrap", "symm": "symmetric", "mirror": "reflect",
             "edge": "edge"}  # fmt: skip
# Integers small enough that no sum of 40 products overflows int32.
INT_BOUND = 1000


def _extended(x, h, rule, fillvalue, axis):
    """`x` extended by M - 1 per side along `axis` (the most any mode reads): the input
    whose norm enters the SPEC §4 bound (in the result dtype, which holds the fill value)."""
    x = x.astype(np.result_type(x, h))
    widths = [(0, 0)] * x.ndim
    widths[axis] = (h.shape[axis] - 1, h.shape[axis] - 1)
    kw = {"constant_values": fillvalue} if rule == "fill" else {}
    return np.pad(x, widths, mode=NUMPY_PAD[rule], **kw)


def _returned(mode, rule, fillvalue, t, m):
    """Outputs `process` has returned after `t` samples: every final one, once the
    extension in front is known ('symm'/'mirror' reflect the first samples, 'edge'
    repeats the first; until then the samples are held)."""
    front = {"full": m - 1, "same": m // 2, "valid": 0}[mode]
    need = {"fill": 0, "symm": front, "mirror": front + 1, "edge": 1}[rule]
    if not front or t >= need:
        return _final_count(mode, t, m)
    return 0


def _stream_all(stream, chunks, *, axis=-1, check=None):
    """Feed `chunks` then flush; `check(t, returned)` after every chunk; the concatenation."""
    parts, seen, returned = [], 0, 0
    for chunk in chunks:
        out = stream.process(chunk)
        seen += chunk.shape[axis]
        returned += out.shape[axis]
        if check is not None:
            check(seen, returned)
        parts.append(out)
    parts.append(stream.flush())
    return np.concatenate(parts, axis=axis)


def _data(rng, shape, dtype):
    return random_array(rng, shape, dtype, INT_BOUND if np.dtype(dtype).kind in "iu" else None)


@st.composite
def fill_values(draw, dtype):
    """A fill value exact in `dtype` (as `convolve` requires), zero included."""
    kind = np.dtype(dtype).kind
    if kind in "iu":
        return draw(st.sampled_from([0, 7]) | st.integers(-INT_BOUND, INT_BOUND))
    values = st.sampled_from([0.0, 0.5, -1.25, 3.0])
    if kind == "c":
        return draw(values | st.builds(complex, values, values))
    return draw(values)


def _check(got, x, h, mode, kind, rule, fillvalue, axis):
    """`got` equals the naive reference and the one-shot result with the same boundary."""
    canonical = STREAMABLE[rule]
    ref = reference(x, h, mode, kind=kind, axes=axis, boundary=canonical, fillvalue=fillvalue)
    tol = tolerance(_extended(x, h, canonical, fillvalue, axis), h, axes=axis)
    assert_matches(got, ref, x, h, axes=axis, tol=tol)
    one = getattr(fc, kind)(x, h, mode, axes=axis, boundary=rule, fillvalue=fillvalue)
    assert got.dtype == one.dtype
    if got.dtype.kind in "biu":
        assert np.array_equal(got, one)
    else:
        # two approximations of the reference: each within the bound
        assert_matches(got, one, x, h, axes=axis, tol=tol, extra=tol)


# --- property tests: any chunking equals the whole signal --------------------------------------
@settings(max_examples=120)
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float64, np.complex128, np.float32, np.int64, np.int32]),
    kind=st.sampled_from(OPS),
    mode=st.sampled_from(MODES),
    rule=st.sampled_from(list(STREAMABLE)),
    path=st.sampled_from(PATHS),
)
def test_chunked_1d_equals_one_shot(data, dtype, kind, mode, rule, path):
    n = data.draw(st.integers(1, 300) | st.integers(1, 12), label="n")
    m = data.draw(st.integers(1, 40) | st.integers(1, 9), label="m")
    block = data.draw(st.none() | st.integers(1, 16), label="block_size")
    fillvalue = data.draw(fill_values(dtype), label="fillvalue")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x, h = _data(rng, (n,), dtype), _data(rng, (m,), dtype)
    x0, h0 = x.copy(), h.copy()
    cuts = data.draw(cut_points(n), label="cuts")
    canonical = STREAMABLE[rule]

    def check(t, returned):
        assert returned == _returned(mode, canonical, fillvalue, t, m), (t, returned)

    with _forced(path):
        stream = fc.StreamConvolver(
            h, kind=kind, mode=mode, block_size=block, boundary=rule, fillvalue=fillvalue
        )
        got = _stream_all(stream, _split(x, cuts), check=check)
    _check(got, x, h, mode, kind, rule, fillvalue, 0)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)


@settings(max_examples=60)
@given(
    data=st.data(),
    case=multichannel_case(),
    dtype=st.sampled_from([np.float64, np.complex128, np.int64]),
    kind=st.sampled_from(OPS),
    mode=st.sampled_from(MODES),
    rule=st.sampled_from(list(STREAMABLE)),
    path=st.sampled_from(PATHS),
)
def test_chunked_multichannel_equals_one_shot(data, case, dtype, kind, mode, rule, path):
    sig, ker, axis, one_d = case
    ax = axis % len(sig)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x, h_nd = _data(rng, sig, dtype), _data(rng, ker, dtype)
    kernel = h_nd.reshape(-1) if one_d else h_nd
    block = data.draw(st.none() | st.integers(1, 16), label="block_size")
    fillvalue = data.draw(fill_values(dtype), label="fillvalue")
    cuts = data.draw(cut_points(sig[ax]), label="cuts")
    with _forced(path):
        stream = fc.StreamConvolver(
            kernel, kind=kind, mode=mode, block_size=block, axis=axis, boundary=rule,
            fillvalue=fillvalue,
        )  # fmt: skip
        got = _stream_all(stream, _split(x, cuts, ax), axis=ax)
    _check(got, x, h_nd, mode, kind, rule, fillvalue, ax)


# --- signals shorter than the extension ---------------------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize("rule", ["symm", "mirror", "edge"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 9, 10])
@pytest.mark.parametrize("m", [2, 9])
def test_short_signal_reflects_as_numpy_pad(m, n, rule, mode, kind):
    """A signal shorter than the extension reflects more than once (numpy.pad's result):
    held until flush, which convolves it whole; a longer one streams from the first
    samples that make the extension in front."""
    rng = np.random.default_rng(seed_of("short", m, n, rule, mode, kind))
    x = rng.integers(-50, 50, n)
    h = rng.integers(-50, 50, m)
    one = getattr(fc, kind)(x, h, mode, boundary=rule)
    for cuts in ([], list(range(1, n)), [0, n // 2, n, n]):
        stream = fc.StreamConvolver(h, kind=kind, mode=mode, boundary=rule, block_size=2)

        def check(t, returned):
            assert returned == _returned(mode, rule, 0, t, m)

        got = _stream_all(stream, _split(x, cuts), check=check)
        assert got.dtype == one.dtype
        assert np.array_equal(got, one), cuts
    assert_matches(got, reference(x, h, mode, kind=kind, boundary=rule), x, h)


# --- wrap ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["wrap", "circular", "grid-wrap"])
@pytest.mark.parametrize("mode", ["full", "same"])
def test_wrap_is_refused_where_it_reads_the_extension(mode, name):
    with pytest.raises(ValueError, match=rf"boundary='{name}' \(periodic\) cannot stream in "
                       rf"mode '{mode}'.*the signal's last samples.*mode='valid'"):  # fmt: skip
        fc.StreamConvolver(np.ones(2), mode=mode, boundary=name)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize(("mode", "m"), [("valid", 5), ("full", 1), ("same", 1)])
def test_wrap_where_the_extension_is_not_read(m, mode, kind):
    """Mode 'valid' never reads the extension, nor does a one-tap kernel: 'wrap' is the
    one-shot 'wrap' result there."""
    rng = np.random.default_rng(seed_of("wrap", mode, m))
    x, h = rng.standard_normal(50), rng.standard_normal(m)
    stream = fc.StreamConvolver(h, kind=kind, mode=mode, boundary="wrap", block_size=4)
    got = _stream_all(stream, _split(x, [3, 3, 20]))
    _ref = reference(x, h, mode, kind=kind, boundary="wrap")
    assert_matches(got, _ref, x, h, tol=tolerance(_extended(x, h, "wrap", 0, 0), h))


# --- argument errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"boundary": "reflect"}, r"boundary='reflect' is ambiguous.*'mirror'.*'symm'"),
        ({"boundary": "bogus"}, r"boundary must be one of 'fill'.*got 'bogus'"),
        ({"boundary": None}, r"boundary must be one of.*got None"),
        ({"fillvalue": [1.0, 2.0]}, r"fillvalue must be a numeric scalar; got \[1.0, 2.0\]"),
        ({"fillvalue": "a"}, r"fillvalue must be a numeric scalar; got 'a' of type str"),
        ({"fillvalue": None}, r"fillvalue must be a numeric scalar; got None"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fc.StreamConvolver(np.ones(3), **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_inexact_fillvalue_is_refused_on_the_first_chunk(mode):
    """As `convolve`: a fill value the result dtype cannot hold is an error, checked once
    the chunks' dtype is known; the stream is left unstarted (the next chunk is the first)."""
    h = np.array([1, 2, 3])
    stream = fc.StreamConvolver(h, mode=mode, fillvalue=0.5)
    with pytest.raises(ValueError, match=r"fillvalue=0.5 cannot be represented in the "
                       r"result dtype int64"):  # fmt: skip
        stream.process(np.arange(10))
    with pytest.raises(ValueError, match=r"fillvalue=0.5 cannot be represented"):
        fc.convolve(np.arange(10), h, mode, fillvalue=0.5)  # the one-shot says the same
    x = np.arange(10.0)
    got = _stream_all(stream, [x[:4], x[4:]])
    _check(got, x, h, mode, "convolve", "fill", 0.5, 0)


@pytest.mark.parametrize(
    ("chunk_dtype", "kernel_dtype", "fillvalue"),
    [(np.int16, np.float32, 0.5), (np.int8, np.int64, 1000), (np.float32, np.complex64, 2j),
     (np.bool_, np.int32, -3), (np.uint8, np.int16, -1)],
    ids=str,
)  # fmt: skip
@pytest.mark.parametrize("mode", ["full", "same"])
def test_fill_value_beyond_the_chunk_dtype(chunk_dtype, kernel_dtype, fillvalue, mode):
    """A fill value the chunks' dtype cannot hold extends in the result dtype, as `convolve`
    does: same dtype, same values."""
    rng = np.random.default_rng(seed_of("fill-dtype", chunk_dtype, kernel_dtype))
    x = random_array(rng, (60,), chunk_dtype, 20)
    h = random_array(rng, (7,), kernel_dtype, 20)
    stream = fc.StreamConvolver(h, mode=mode, fillvalue=fillvalue, block_size=4)
    got = _stream_all(stream, _split(x, [1, 2, 30]))
    _check(got, x, h, mode, "convolve", "fill", fillvalue, 0)


# --- non-finite values --------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("rule", ["symm", "mirror", "edge", "fill"])
@pytest.mark.parametrize("mode", ["full", "same"])
def test_nonfinite_samples_reflected_into_the_extension(mode, rule, kind, path):
    """A NaN next to an end is copied into the extension by the rule: the outputs that read
    it are NaN, exactly as in the one-shot call; no other output is."""
    rng = np.random.default_rng(seed_of("nonfinite", rule, mode))
    x, h = rng.standard_normal(200), rng.standard_normal(11)
    x[[1, 100]] = np.nan
    x[197] = np.inf
    with _forced(path):
        for cuts in ([], [1, 2, 3, 150], range(0, 200, 7)):
            stream = fc.StreamConvolver(
                h, kind=kind, mode=mode, boundary=rule, fillvalue=0.5, block_size=8
            )
            got = _stream_all(stream, _split(x, cuts))
            _check(got, x, h, mode, kind, rule, 0.5, 0)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize(("rule", "fillvalue"), [("fill", 0.0), ("fill", 2.0), ("edge", 0.0)])
def test_nonfinite_kernel_meets_the_extension(fillvalue, rule, kind, path):
    """The extension's samples are terms of the sum (an inf tap times a fill value is inf),
    a zero outside a zero-filled signal is not (no inf * 0 = NaN): as the one-shot call."""
    h = np.array([1.0, 2.0, np.inf, 1.0])
    x = np.array([1.0, 2.0, 0.0, 3.0, 4.0, 5.0, -1.0])
    with _forced(path):
        for mode in ("full", "same"):
            stream = fc.StreamConvolver(h, kind=kind, mode=mode, boundary=rule,
                                        fillvalue=fillvalue)  # fmt: skip
            got = _stream_all(stream, _split(x, [1, 3]))
            one = getattr(fc, kind)(x, h, mode, boundary=rule, fillvalue=fillvalue)
            assert np.array_equal(got, one, equal_nan=True), (mode, got, one)
            ref = reference(x, h, mode, kind=kind, boundary=rule, fillvalue=fillvalue)
            assert_matches(got, ref, x, h)


# --- state: errors, reuse, memory, inputs -------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", ["full", "same"])
def test_overflow_while_releasing_held_samples_leaves_the_stream_as_before(mode, path):
    """The chunk that completes the held samples feeds them and itself; an overflow in it
    restores the held samples, and the stream goes on as if it had never been passed."""
    h = np.array([3, -2, 1, 2, 1], dtype=np.int8)
    good1 = np.array([-2], dtype=np.int8)  # fewer than the 'symm' extension reads
    bad = np.full(10, 100, dtype=np.int8)  # 100 * (3 + 2 + 1 + 1) = 700 > 127
    good2 = np.array([5, -5, 1, 0, 2, 3, -3, 1], dtype=np.int8)
    with _forced(path):
        stream = fc.StreamConvolver(h, mode=mode, boundary="symm")
        parts = [stream.process(good1)]
        assert parts[0].size == 0
        with pytest.raises(OverflowError):
            stream.process(bad)
        assert stream._pending is not None and np.array_equal(stream._pending, good1)
        assert stream._seen == 0
        parts += [stream.process(good2), stream.flush()]
    x = np.concatenate([good1, good2])
    assert np.array_equal(np.concatenate(parts), fc.convolve(x, h, mode, boundary="symm"))


@pytest.mark.parametrize("rule", ["symm", "mirror", "edge", "fill"])
@pytest.mark.parametrize("mode", ["full", "same"])
def test_reuse_after_flush(mode, rule):
    """After flush, a new signal: a short one (held whole), a long one, a short one again."""
    rng = np.random.default_rng(seed_of("reuse", mode, rule))
    h = rng.integers(-9, 9, 12)
    stream = fc.StreamConvolver(h, mode=mode, boundary=rule, fillvalue=4, block_size=4)
    for n in (3, 200, 1, 40):
        x = rng.integers(-9, 9, n)
        got = _stream_all(stream, _split(x, [1, n // 3, n // 2]))
        assert np.array_equal(got, fc.convolve(x, h, mode, boundary=rule, fillvalue=4)), n


def _owned_nbytes(a):
    while a.base is not None and isinstance(a.base, np.ndarray):
        a = a.base
    return a.nbytes


@pytest.mark.parametrize("rule", ["symm", "mirror", "edge", "fill"])
@pytest.mark.parametrize("mode", ["full", "same"])
def test_retained_state_is_bounded_by_the_kernel(mode, rule):
    """Whatever the chunk sizes, the instance keeps O(M) samples per channel: the last
    M - 1 inputs, at most M held first samples, at most M last samples for the extension
    behind."""
    m, channels = 25, 3
    rng = np.random.default_rng(seed_of("memory", mode, rule))
    h = rng.standard_normal(m)
    stream = fc.StreamConvolver(h, mode=mode, boundary=rule, fillvalue=1.0, block_size=16)
    limit = m * channels * 8
    total = 0
    for i in range(80):
        size = int(rng.choice([0, 1, 5, 24, 25, 200, 3000]))
        total += size
        stream.process(rng.standard_normal((channels, size)))
        assert stream._history.shape == (channels, m - 1), i
        held = [stream._history, stream._tail, stream._head]
        if stream._pending is not None:
            held.append(stream._pending)
        for a in held:
            assert a.shape[1] <= m, i
            assert _owned_nbytes(a) <= 2 * limit, i
    assert stream._pending is None
    tail = stream.flush()
    assert tail.shape[1] == {"full": m - 1, "same": (m - 1) // 2}[mode]


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize(("m", "block"), [(5, 8), (70, 8), (3, 1)])
def test_chunk_larger_than_step(monkeypatch, m, block, mode, kind):
    """Chunks far larger than the block and than a step (`STEP_SAMPLES`): no step reads
    more than ``step + M - 1`` samples, and the result is unchanged (a fill value that
    the chunks' dtype cannot hold included)."""
    monkeypatch.setattr(_stream, "STEP_SAMPLES", 50)
    lengths = []
    valid = _stream.StreamConvolver._valid

    def spy(self, data):
        lengths.append(data.shape[self._ax])
        return valid(self, data)

    monkeypatch.setattr(_stream.StreamConvolver, "_valid", spy)
    rng = np.random.default_rng(seed_of("step", m, block))
    x = rng.integers(-100, 100, (2, 1000)).astype(np.int16)
    h = rng.standard_normal(m).astype(np.float32)
    for rule in ("symm", "fill"):
        lengths.clear()
        stream = fc.StreamConvolver(
            h, kind=kind, mode=mode, block_size=block, boundary=rule, fillvalue=0.5
        )
        got = _stream_all(stream, _split(x, [7, 900, 900]))
        assert max(lengths) <= stream._step + m - 1
        _check(got, x, h.reshape(1, -1), mode, kind, rule, 0.5, 1)


@pytest.mark.parametrize("rule", ["symm", "mirror", "edge", "fill"])
@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize("m", [1, 4, 30])
def test_inputs_never_modified_and_nothing_aliased(m, mode, rule):
    rng = np.random.default_rng(seed_of("alias", m, mode, rule))
    kernel = rng.standard_normal((2, m))
    kernel_copy = kernel.copy()
    x = rng.standard_normal((2, 100))
    whole = fc.convolve(x, kernel, mode, axes=1, boundary=rule, fillvalue=-2.0)
    kernel.flags.writeable = False  # writing to an input would raise
    stream = fc.StreamConvolver(kernel, mode=mode, block_size=8, boundary=rule, fillvalue=-2.0)
    kernel.flags.writeable = True
    kernel[...] = 7.0  # the kernel was copied at construction
    chunks = [x[:, a:b].copy() for a, b in [(0, 2), (2, 2), (2, 60), (60, 61), (61, 100)]]
    outputs = []
    for chunk in chunks:
        chunk.flags.writeable = False
        out = stream.process(chunk)
        for kept in (out, stream._history, stream._tail, stream._pending):
            assert kept is None or not np.shares_memory(kept, chunk)
        outputs.append(out.copy())
        out[...] = -1.0  # the caller may write to what it was given
        chunk.flags.writeable = True
        chunk[...] = 1e6  # and reuse its chunk buffers
    outputs.append(stream.flush())
    got = np.concatenate(outputs, axis=1)
    tol = tolerance(_extended(x, kernel_copy, rule, -2.0, 1), kernel_copy, axes=1)
    assert_matches(got, whole, x, kernel_copy, axes=1, tol=tol, extra=tol)
    assert np.array_equal(kernel, np.full((2, m), 7.0))
