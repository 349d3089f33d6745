"""Dask arrays in `fc.convolve` / `fc.correlate` (issue 4): lazy results that equal the
in-memory ones, exactly for integers and within SPEC §4's bound for floats.

Most properties compute with dask's synchronous scheduler (fast, and a spy on the block
function sees every call); a smaller set runs on a real `dask.distributed.LocalCluster`
with two worker processes, so the graph is pickled and computed in other processes.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc

from ._data import METHODS, MODES, OPS, random_pair
from .reference import assert_matches, normalise_axes, reference, tolerance

# dask is the optional extra fftconv[dask] (in the test extra too): without it these
# tests are skipped with the install command, not failed at collection.
da = pytest.importorskip("dask.array", reason="needs dask: pip install 'fftconv[dask]'")
from fftconv import _dask  # noqa: E402 (imports dask: only once it is known to be there)

SYNC = "synchronous"
# bool, exact integers (random_pair keeps their sums inside the dtype), floats, complex
DTYPES = (
    np.bool_,
    np.int8,
    np.int16,
    np.uint32,
    np.int64,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
)


@st.composite
def chunkings(draw, n):
    """Chunk sizes along an axis of length n: a regular size (1 included: one sample
    per chunk) or random cuts (uneven chunks, some of 1)."""
    if n <= 1 or draw(st.booleans()):
        return draw(st.integers(1, max(n, 1)))
    cuts = draw(st.lists(st.integers(1, n - 1), max_size=min(n - 1, 6), unique=True))
    edges = [0, *sorted(cuts), n]
    return tuple(b - a for a, b in zip(edges, edges[1:], strict=False))


@st.composite
def cases(draw, dtypes=DTYPES, max_1d=30, max_2d=8):
    """A valid call: (op, x, h, mode, axes, chunks of x, which inputs are dask, method).

    Convolved axes: the kernel is up to a few samples longer than x (the 'valid' swap
    when mode='valid', which needs one input larger along every convolved axis).
    Batch axes broadcast, the kernel sometimes varying along them.
    """
    ndim = draw(st.sampled_from((1, 2)))
    op = draw(st.sampled_from(OPS))
    mode = draw(st.sampled_from(MODES))
    axes = draw(st.sampled_from((None, 0, 1, -1, (0, 1)))) if ndim == 2 else None
    conv = normalise_axes(axes, ndim)
    kernel_larger = draw(st.booleans())
    shape1, shape2 = [], []
    for a in range(ndim):
        if a in conv:
            n = draw(st.integers(1, max_1d if ndim == 1 else max_2d))
            m = draw(st.integers(1, n + 4))
            if mode == "valid":
                n, m = sorted((n, m), reverse=not kernel_larger)
        else:
            n, m = draw(st.sampled_from(((3, 3), (1, 3), (3, 1), (1, 1), (5, 5))))
        shape1.append(n)
        shape2.append(m)
    dtype1 = draw(st.sampled_from(dtypes))
    dtype2 = draw(st.sampled_from((dtype1, *dtypes)))
    seed = draw(st.integers(0, 2**32 - 1))
    x, h = random_pair(tuple(shape1), tuple(shape2), dtype1, dtype2, axes=axes, seed=seed)
    chunks = tuple(draw(chunkings(n)) for n in shape1)
    lazy = draw(st.sampled_from(("in1", "in1", "both", "in2")))
    method = draw(st.sampled_from(METHODS))
    return op, x, h, mode, axes, chunks, lazy, method


def _lazy_inputs(x, h, chunks, lazy):
    xd = da.from_array(x, chunks=chunks) if lazy in ("in1", "both") else x
    hd = da.from_array(h, chunks=2) if lazy in ("in2", "both") else h
    return xd, hd


def _check(got, x, h, op, mode, axes, method):
    """got equals the naive reference and the in-memory result (exact for integers)."""
    ref = reference(x, h, mode, kind=op, axes=axes)
    assert_matches(got, ref, x, h, axes=axes)
    mem = getattr(fc, op)(x, h, mode, method, axes=axes)
    # two approximate results: each within the bound of the exact one
    assert_matches(got, mem, x, h, axes=axes, extra=tolerance(x, h, axes))


# --- lazy, and equal to the in-memory result -------------------------------------------


@settings(max_examples=150)
@given(case=cases())
def test_equals_in_memory_random_chunkings(case):
    op, x, h, mode, axes, chunks, lazy, method = case
    x0, h0 = x.copy(), h.copy()
    xd, hd = _lazy_inputs(x, h, chunks, lazy)
    out = getattr(fc, op)(xd, hd, mode, method, axes=axes)
    expected = getattr(fc, op)(x, h, mode, method, axes=axes)
    assert isinstance(out, da.Array)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    got = out.compute(scheduler=SYNC)
    assert isinstance(got, np.ndarray)
    _check(got, x, h, op, mode, axes, method)
    np.testing.assert_array_equal(x, x0)  # inputs never written to
    np.testing.assert_array_equal(h, h0)


@given(
    n=st.integers(1, 60),
    m=st.integers(1, 70),
    chunk=st.integers(1, 7),
    op=st.sampled_from(OPS),
    mode=st.sampled_from(("full", "same")),
)
def test_chunks_smaller_than_kernel(n, m, chunk, op, mode):
    """Chunks of 1 to 7 samples with kernels of up to 70: chunks are merged until each
    holds what its left neighbour needs from it."""
    x, h = random_pair((n,), (m,), np.int64, seed=n * 1000 + m)
    out = getattr(fc, op)(da.from_array(x, chunks=chunk), h, mode)
    _check(out.compute(scheduler=SYNC), x, h, op, mode, None, "auto")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("last", [1, 2, 3, 4, 5, 6])
def test_last_chunk_around_kernel_length(mode, last):
    """The result's last chunk is the input's plus ``length - N`` (M - 1 shorter in
    'valid'): a last chunk shorter than M is merged with the one before it."""
    x, h = random_pair((30,), (5,), np.int32, seed=last)
    for op in OPS:
        out = getattr(fc, op)(da.from_array(x, chunks=(13, 17 - last, last)), h, mode)
        assert min(out.chunks[0]) > 0
        _check(out.compute(scheduler=SYNC), x, h, op, mode, None, "auto")


def test_same_keeps_the_chunks():
    """mode='same': the result has in1's chunks (chunks at least half the kernel long),
    so it combines with in1 block by block."""
    x = da.random.default_rng(0).standard_normal((300, 250), chunks=(100, (60, 90, 100)))
    for op in OPS:
        assert getattr(fc, op)(x, np.ones((9, 4)), "same").chunks == x.chunks
    y = fc.convolve(x, np.ones((1, 7)), "full", axes=1)
    assert y.chunks == (x.chunks[0], (60, 90, 106))


def test_result_is_lazy(monkeypatch):
    """Nothing is computed (not even on stand-ins) until .compute(); then one call per
    output block."""
    reads = []
    blocks = []
    real = _dask._operate

    def spy(*args, **kwargs):
        blocks.append(args[5:])
        return real(*args, **kwargs)

    def read(block):
        reads.append(block.shape)
        return block

    monkeypatch.setattr(_dask, "_operate", spy)
    rng = np.random.default_rng(1)
    x, h = rng.standard_normal((40, 30)), rng.standard_normal((5, 4))
    xd = da.from_array(x, chunks=(10, 7)).map_blocks(read, meta=np.empty((0, 0)))
    out = fc.correlate(xd, h, "same", "fft", workers=1)
    assert (reads, blocks) == ([], [])
    assert out.shape == (40, 30) and out.dtype == np.float64
    assert all(isinstance(c, tuple) for c in out.chunks)
    got = out.compute(scheduler=SYNC)
    assert len(blocks) == out.npartitions
    assert all(b == ((0, 1), 1, fc.get_backend()) for b in blocks)  # axes, workers, backend
    assert reads
    _check(got, x, h, "correlate", "same", None, "fft")


def test_backend_fixed_at_call_time(monkeypatch):
    """The blocks run later, outside `set_backend`'s context: the call's backend goes
    with them."""
    backends = []
    real = _dask._operate

    def spy(*args, **kwargs):
        backends.append(args[7])
        return real(*args, **kwargs)

    monkeypatch.setattr(_dask, "_operate", spy)
    x = np.arange(50.0)
    with fc.set_backend("numpy"):
        out = fc.convolve(da.from_array(x, chunks=9), [1.0, 2.0, 3.0], method="fft")
    got = out.compute(scheduler=SYNC)
    assert backends and set(backends) == {"numpy"}
    _check(got, x, np.array([1.0, 2.0, 3.0]), "convolve", "full", None, "fft")


def test_kernel_varying_along_batch_axis():
    """A batch of signals, each with its own kernel: blocks take their kernel slice."""
    rng = np.random.default_rng(2)
    x = rng.integers(-50, 50, (7, 41)).astype(np.int32)
    h = rng.integers(-50, 50, (7, 6)).astype(np.int32)
    for op in OPS:
        for mode in MODES:
            out = getattr(fc, op)(da.from_array(x, chunks=(2, 5)), h, mode, axes=1)
            _check(out.compute(scheduler=SYNC), x, h, op, mode, 1, "auto")
    # x broadcast along the batch axis
    out = fc.convolve(da.from_array(x[:1], chunks=(1, 8)), h, "same", axes=-1)
    _check(out.compute(scheduler=SYNC), x[:1], h, "convolve", "same", -1, "auto")


def test_large_kernel_valid_swap():
    """mode='valid' with the kernel the larger input: scipy's swap rule (negative lags
    for a correlation), also when the kernel is a dask array."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(9) + 1j * rng.standard_normal(9)
    h = rng.standard_normal(40)
    for op in OPS:
        for lazy in ("in1", "in2", "both"):
            xd, hd = _lazy_inputs(x, h, 2, lazy)
            out = getattr(fc, op)(xd, hd, "valid")
            assert isinstance(out, da.Array) and out.shape == (32,)
            _check(out.compute(scheduler=SYNC), x, h, op, "valid", None, "auto")


# --- integers, non-finite values, edge cases ----------------------------------------


def test_integer_overflow_raises_at_compute_time():
    x = np.full(20, 100, dtype=np.int8)
    out = fc.convolve(da.from_array(x, chunks=6), np.ones(3, dtype=np.int8))
    assert out.dtype == np.int8  # the call itself does not compute
    with pytest.raises(OverflowError, match="int8"):
        out.compute(scheduler=SYNC)


@pytest.mark.parametrize("chunks", [1, 2, 3, 5, 20])
def test_no_overflow_outside_the_mode_window(chunks):
    """Blocks compute only outputs of the mode window, each a complete sum: outputs of
    'full' that overflow, but lie outside the window, raise nothing (as in memory)."""
    x = np.array([127, 127, -127] + [127, -127] * 8, dtype=np.int8)  # full[1] = 254
    h = np.ones(3, dtype=np.int8)
    with pytest.raises(OverflowError):
        fc.convolve(x, h, "full")
    out = fc.convolve(da.from_array(x, chunks=chunks), h, "valid")
    _check(out.compute(scheduler=SYNC), x, h, "convolve", "valid", None, "auto")
    x2 = np.array([100] + [1, -1] * 9, dtype=np.int8)
    h2 = np.array([2, 0, 0, 0], dtype=np.int8)  # full[0] = 200 lies before 'same'
    out = fc.correlate(da.from_array(x2[::-1].copy(), chunks=chunks), h2, "same")
    _check(out.compute(scheduler=SYNC), x2[::-1].copy(), h2, "correlate", "same", None, "auto")
    out = fc.convolve(da.from_array(x2, chunks=chunks), h2, "same")
    _check(out.compute(scheduler=SYNC), x2, h2, "convolve", "same", None, "auto")


@pytest.mark.parametrize("method", ["fft", "oa", "auto"])
def test_nan_stays_local(method):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((30, 33))
    x[4, 7] = np.nan
    x[20, 31] = np.inf
    h = rng.standard_normal((5, 3))
    out = fc.convolve(da.from_array(x, chunks=(6, 4)), h, "same", method)
    got = out.compute(scheduler=SYNC)
    assert 0 < np.isnan(got).sum() < got.size // 10
    _check(got, x, h, "convolve", "same", None, method)


def test_scalars_and_empty_batch():
    out = fc.correlate(da.from_array(np.array(3 + 1j)), np.array(2j))
    assert isinstance(out, da.Array) and out.shape == ()
    assert out.compute(scheduler=SYNC) == fc.correlate(np.array(3 + 1j), np.array(2j))
    x = np.ones((0, 5), dtype=np.int16)
    out = fc.convolve(da.from_array(x), np.ones((1, 3), dtype=np.int16), axes=1)
    got = out.compute(scheduler=SYNC)
    assert got.shape == (0, 7) and got.dtype == np.int16


def test_numpy_in1_dask_in2():
    x, h = np.arange(12.0).reshape(3, 4), np.array([[1.0, -1.0]])
    out = fc.convolve(x, da.from_array(h), "full")
    assert isinstance(out, da.Array)
    _check(out.compute(scheduler=SYNC), x, h, "convolve", "full", None, "auto")


def test_kernel_copied_at_call_time():
    """The lazy result does not change if the caller later writes to their kernel."""
    h = np.array([1.0, 2.0])
    out = fc.convolve(da.arange(10.0, chunks=3), h)
    expected = fc.convolve(np.arange(10.0), h)
    h[:] = 0
    np.testing.assert_array_equal(out.compute(scheduler=SYNC), expected)


def test_numpy_calls_need_no_dask():
    """The routing looks dask up in sys.modules only, never importing it: with dask made
    unimportable, NumPy calls (every method) still work and fftconv._dask stays unloaded.
    (pyfftw itself imports dask.array when it can, for its own dask interface.)"""
    code = (
        "import sys; sys.modules['dask'] = None; import numpy as np, fftconv as fc; "
        "[fc.convolve(np.ones(50), np.ones(9), method=m) for m in ('direct', 'fft', 'oa')]; "
        "fc.correlate(np.ones((3, 4)), np.ones((2, 2)), workers=1); "
        "assert 'fftconv._dask' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- errors: the in-memory path's types and messages -------------------------------------


def _message(exc_type, call):
    with pytest.raises(exc_type) as info:
        call()
    return str(info.value)


X1 = np.arange(10.0)
X2 = np.ones((4, 5))


@pytest.mark.parametrize(
    ("exc_type", "x", "h", "kwargs"),
    [
        (ValueError, X1, [1.0, 2.0], {"mode": "nope"}),
        (ValueError, X1, [1.0, 2.0], {"method": "fast"}),
        (ValueError, X1, [1.0, 2.0], {"backend": "cufft"}),
        (ValueError, X1, [1.0, 2.0], {"workers": 0}),
        (TypeError, X1, [1.0, 2.0], {"workers": 1.5}),
        (ValueError, X1, [1.0, 2.0], {"axes": 3}),
        (TypeError, X2, np.ones((1, 2)), {"axes": [1.0]}),
        (ValueError, X2, np.ones(3), {}),
        (ValueError, X2, np.ones((5, 3)), {"mode": "valid"}),
        (ValueError, X2, np.ones((2, 3)), {"axes": 1}),
        (ValueError, X1, np.ones(0), {}),
        (TypeError, X1, np.array(["a", "b"]), {}),
        (TypeError, np.array(["a", "b"]), X1, {}),
    ],
)
def test_errors_as_in_memory(exc_type, x, h, kwargs):
    expected = _message(exc_type, lambda: fc.convolve(x, h, **kwargs))
    for xd, hd in ((da.from_array(x, chunks=2), h), (x, da.from_array(np.asarray(h)))):
        got = _message(exc_type, lambda xd=xd, hd=hd: fc.convolve(xd, hd, **kwargs))
        assert got == expected


def test_unknown_chunk_sizes_and_masked():
    x = da.arange(10.0, chunks=3)
    with pytest.raises(ValueError, match=re.escape("in1.compute_chunk_sizes()")):
        fc.convolve(x[x > 3], [1.0, 1.0])
    masked = da.ma.masked_less(x, 2.0)
    with pytest.raises(TypeError, match="in2 is a masked array"):
        fc.correlate(np.ones(3), masked)


# --- a real distributed cluster ----------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """Two worker processes of one thread each, shut down at the end of the module."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,  # no port 8787 clash with another cluster
            local_directory=str(tmp_path_factory.mktemp("dask-worker-space")),
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        yield c


@settings(max_examples=15)
@given(case=cases(max_1d=40))
def test_distributed_equals_in_memory(client, case):
    op, x, h, mode, axes, chunks, lazy, method = case
    xd, hd = _lazy_inputs(x, h, chunks, lazy)
    out = getattr(fc, op)(xd, hd, mode, method, axes=axes)
    _check(client.compute(out).result(), x, h, op, mode, axes, method)


def test_distributed_large_chunked_2d(client):
    """A stack of images chunked along every axis; blocks run in both workers."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 300, 260)).astype(np.float32)
    h = rng.standard_normal((1, 15, 9)).astype(np.float32)
    xd = da.from_array(x, chunks=(1, 64, 100))
    for op, mode in (("convolve", "same"), ("correlate", "full")):
        out = getattr(fc, op)(xd, h, mode, axes=(1, 2))
        got = client.compute(out).result()
        assert got.dtype == np.float32
        expected = getattr(fc, op)(x, h, mode, axes=(1, 2))
        assert_matches(got, expected, x, h, axes=(1, 2), extra=tolerance(x, h, (1, 2)))
    pids = client.run(os.getpid)  # two worker processes, neither of them this one
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()


def test_distributed_overflow(client):
    x = np.full(50, 2**62, dtype=np.int64)
    out = fc.correlate(da.from_array(x, chunks=7), np.ones(2, dtype=np.int64))
    with pytest.raises(OverflowError):
        client.compute(out).result()
