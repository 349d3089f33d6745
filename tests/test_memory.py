"""A call whose working set would not fit raises MemoryError stating the bytes needed,
before it allocates (or, with method='auto', runs a method that fits). The available
memory is monkeypatched: these tests never allocate more than a few tens of MB."""

import functools
import re
import tracemalloc

import numpy as np
import pytest

import fftconv as fc
from fftconv import _api, _dispatch, _memory
from fftconv._backends import resolve_backend
from fftconv._spec import make_spec

from .reference import assert_matches

MiB = 1 << 20
RNG = np.random.default_rng(20261203)
# 1.5e6 samples and 16 taps: 'auto' picks overlap-add (working set ~50 MiB); the direct
# sum (16 MiB) is predicted ~3x slower, inside FALLBACK_SLOWDOWN.
X = RNG.standard_normal(1_500_000)
H = RNG.standard_normal(16)


@pytest.fixture
def available(monkeypatch):
    """Set the available memory: ``available(n_bytes)``; forget remembered calls so
    that each test's calls are prepared (and checked) afresh."""
    monkeypatch.setattr(_api, "_PREPARED", {})

    def set_available(nbytes):
        monkeypatch.setattr(_memory, "available_bytes", lambda: nbytes)

    return set_available


def _needs(kind, x, h, method, mode="full", axes=None, backend=None):
    spec = make_spec(x, h, kind=kind, mode=mode, axes=axes)
    compute = _dispatch.compute_dtype(spec)
    return _memory.working_set(spec, method, resolve_backend(backend), compute)


def _peak(call):
    """Bytes numpy allocated at the peak of `call()` (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        call()
    except MemoryError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


@pytest.mark.parametrize("kind", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["direct", "fft", "oa"])
def test_explicit_method_raises_before_allocating(available, kind, method):
    needed = _needs(kind, X, H, method)
    assert needed > _memory.CHECK_ABOVE
    available(int(needed / _memory.MARGIN) - 1)  # one byte short
    with pytest.raises(MemoryError, match=rf"method='{method}' needs about {needed} bytes"):
        getattr(fc, kind)(X, H, method=method)
    # Nothing large was allocated: the check came first (the output alone is 12 MB).
    assert _peak(lambda: getattr(fc, kind)(X, H, method=method)) < MiB


@pytest.mark.parametrize("method", ["direct", "fft", "oa"])
def test_exactly_enough_memory_runs(available, method):
    available(int(_needs("convolve", X, H, method) / _memory.MARGIN) + 1)
    got = fc.convolve(X[:200_000], H, method=method)  # smaller: fits whatever the method
    assert got.shape == (200_015,)
    got = fc.convolve(X, H, method=method)
    assert got.shape == (1_500_015,)


def test_message_names_every_figure(available):
    available(40 * MiB)
    with pytest.raises(MemoryError) as info:
        fc.correlate(X, H, method="fft")
    msg = str(info.value)
    assert "correlate of in1 shape (1500000,) and in2 shape (16,)" in msg
    assert f"{40 * MiB} bytes (40.0 MiB) are available" in msg
    assert "90%" in msg  # the margin
    assert re.search(r"method='direct' needs \d+\.\d MiB", msg)
    assert re.search(r"method='oa' needs \d+\.\d MiB", msg)
    assert "StreamConvolver" in msg and "convolve_file" in msg


def test_auto_falls_back_to_a_method_that_fits(available):
    choice = fc.choose_method(X, H)
    assert choice.method == "oa"
    assert choice.costs["direct"] <= _memory.FALLBACK_SLOWDOWN * choice.costs["oa"]
    direct = _needs("convolve", X, H, "direct")
    assert direct < _needs("convolve", X, H, "oa")
    available(int(direct / _memory.MARGIN) + 1)  # direct fits, overlap-add does not
    x, h = X[:300_000], H  # the same choice and fallback at a size the oracle can check
    got = fc.convolve(X, H)
    assert np.array_equal(got, fc.convolve(X, H, method="direct"))  # bit for bit: direct ran
    assert np.array_equal(fc.convolve(x, h), fc.convolve(x, h, method="oa"))  # fits: oa


def test_auto_does_not_fall_back_beyond_the_slowdown(available):
    x, h = RNG.standard_normal(1_000_000), RNG.standard_normal(4000)
    choice = fc.choose_method(x, h)
    assert choice.costs["direct"] > _memory.FALLBACK_SLOWDOWN * choice.costs[choice.method]
    available(int(_needs("convolve", x, h, "direct") / _memory.MARGIN) + 1)
    with pytest.raises(MemoryError, match=rf"method='{choice.method}' needs about"):
        fc.convolve(x, h)


def test_remembered_call_is_checked_again(available):
    available(1 << 40)
    first = fc.convolve(X, H)  # prepared and remembered with overlap-add
    assert len(_api._PREPARED) == 1
    available(int(_needs("convolve", X, H, "direct") / _memory.MARGIN) + 1)
    again = fc.convolve(X, H)  # memory ran short: the remembered call falls back
    assert np.array_equal(again, fc.convolve(X, H, method="direct"))
    assert not np.array_equal(again, first)  # (a different method's rounding)
    available(MiB)
    with pytest.raises(MemoryError, match="needs about"):
        fc.convolve(X, H)


@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
def test_integer_calls(available, method):
    x = RNG.integers(-1000, 1000, 1_500_000)
    h = RNG.integers(-1000, 1000, 16)
    available(4 * MiB)
    with pytest.raises(MemoryError, match="int64 result"):
        fc.convolve(x, h, method=method)
    assert _peak(lambda: fc.convolve(x, h, method=method)) < MiB


def test_small_calls_never_read_the_memory_figure(monkeypatch):
    def unreachable():
        raise AssertionError("available_bytes read for a small call")

    monkeypatch.setattr(_memory, "available_bytes", unreachable)
    monkeypatch.setattr(_api, "_PREPARED", {})
    for method in ("auto", "direct", "fft", "oa"):
        fc.convolve(np.ones(1000), np.ones(30), method=method)
        fc.correlate(np.ones((60, 60), np.int32), np.ones((5, 5), np.int32), method=method)
    fc.Convolver(np.ones(30), 1000)(np.ones(1000))


def test_convolver_checks_at_construction(available):
    available(4 * MiB)
    with pytest.raises(MemoryError, match=r"in1 shape \(1500000,\).*method='fft'"):
        fc.Convolver(H, X.shape, method="fft")
    available(int(_needs("convolve", X, H, "direct") / _memory.MARGIN) + 1)
    conv = fc.Convolver(H, X.shape)  # auto: the method that fits
    assert conv.method == "direct"
    assert np.array_equal(conv(X), fc.convolve(X, H, method="direct"))


def test_unknown_memory_is_not_checked(available):
    available(None)  # neither /proc/meminfo nor sysconf: run as before
    assert fc.convolve(X, H, method="fft").shape == (1_500_015,)


# --- the estimate ---------------------------------------------------------------------------
ESTIMATE_CASES = [
    # (in1 shape, in2 shape, dtype, axes)
    ((400_000,), (3000,), np.float64, None),
    ((400_000,), (3000,), np.float32, None),
    ((600, 700), (31, 9), np.float64, None),
    ((150_000,), (100_000,), np.complex128, None),
    ((8, 50_000), (1, 2000), np.float64, -1),
    ((300_000,), (500,), np.int16, None),
]


@pytest.mark.parametrize(("s1", "s2", "dtype", "axes"), ESTIMATE_CASES, ids=str)
@pytest.mark.parametrize("backend", ["pyfftw", "scipy", "numpy"])
@pytest.mark.parametrize("method", ["direct", "fft", "oa"])
def test_estimate_bounds_the_measured_peak(s1, s2, dtype, axes, backend, method):
    """The estimate is an upper bound of what the call allocates (its peak, measured
    with tracemalloc on a first call with fresh FFT buffers), and not absurdly loose."""
    if method == "direct" and np.prod(s1) * np.prod(s2) > 1e9:
        pytest.skip("the direct sum of this size takes seconds")
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(s1) * 10).astype(dtype)
    h = (rng.standard_normal(s2) * 10).astype(dtype)
    spec = make_spec(x, h, kind="convolve", mode="full", axes=axes)
    accumulator = np.dtype(np.int64) if spec.is_integer and method == "direct" else None
    compute = _dispatch.compute_dtype(spec)
    estimate = _memory.working_set(spec, method, resolve_backend(backend), compute, accumulator)
    peak = _peak(lambda: fc.convolve(x, h, method=method, axes=axes, backend=backend))
    assert peak <= estimate
    assert estimate <= 6 * peak


def test_available_bytes_reads_meminfo_and_cgroup(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  1000 kB\nMemFree:  10 kB\nMemAvailable:  512 kB\n")
    assert _memory._read_meminfo(str(meminfo)) == 512 * 1024
    assert _memory._read_meminfo(str(tmp_path / "missing")) is None
    monkeypatch.setattr(_memory, "_read_meminfo", lambda: 512 * 1024)
    monkeypatch.setattr(_memory, "_cgroup_headroom", lambda: None)
    assert _memory.available_bytes() == 512 * 1024
    monkeypatch.setattr(_memory, "_cgroup_headroom", lambda: 1000)  # a container's limit
    assert _memory.available_bytes() == 1000


def test_cgroup_limit_files(tmp_path, monkeypatch):
    files = {}

    def read_int(path):
        return files.get(path)

    monkeypatch.setattr(_memory, "_read_int", read_int)
    assert _memory._cgroup_headroom() is None
    files["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = 9223372036854771712  # no limit
    files["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = 100
    assert _memory._cgroup_headroom() is None
    files["/sys/fs/cgroup/memory.max"] = 5000  # v2 first
    files["/sys/fs/cgroup/memory.current"] = 1200
    assert _memory._cgroup_headroom() == 3800
    monkeypatch.undo()
    (tmp_path / "max").write_text("max\n")
    (tmp_path / "limit").write_text("1234\n")
    assert _memory._read_int(str(tmp_path / "max")) is None  # v2's "no limit"
    assert _memory._read_int(str(tmp_path / "limit")) == 1234
    assert _memory._read_int(str(tmp_path / "missing")) is None


def test_results_with_a_check_match_the_reference(available):
    """The check changes nothing about the answer when memory is plentiful."""
    available(1 << 40)
    x, h = RNG.standard_normal(70_000), RNG.standard_normal(40)
    got = fc.correlate(x, h, method="oa")
    want = fc.correlate(x, h, method="direct")
    assert_matches(got, want.astype(np.longdouble), x, h)


def test_require_for_other_entry_points(available):
    available(100 * MiB)
    _memory.require(80 * MiB, "xcorr of 10**7 samples")  # fits in 90%
    with pytest.raises(MemoryError, match=r"xcorr of 10\*\*7 samples needs about 104857600 bytes"):
        _memory.require(100 * MiB, "xcorr of 10**7 samples")


@pytest.mark.parametrize(
    ("name", "call", "inputs"),
    [
        ("match_template", fc.match_template, lambda: (np.zeros((1500, 1500)), np.ones((8, 8)))),
        # (demean=False: the demeaned copy, the size of the input, comes before the check)
        (
            "autocorr's power spectrum",
            functools.partial(fc.autocorr, demean=False),
            lambda: (np.ones(2_000_000),),
        ),
        (
            "estimate_delay(method='phat')",
            functools.partial(fc.estimate_delay, method="phat"),
            lambda: (np.ones(1_000_000), np.ones(1_000_000)),
        ),
        ("the separable passes", fc.sepconvolve, lambda: (np.ones((1500, 1500)), [np.ones(5)] * 2)),
    ],
)
def test_entry_points_that_size_their_own_transforms_check_first(available, name, call, inputs):
    """Template matching, the time-series spectra and the separable passes refuse a call
    whose working set would not fit, before allocating any of it."""
    available(16 * MiB)
    args = inputs()
    with pytest.raises(MemoryError, match=re.escape(name) + r" needs about \d+ bytes"):
        call(*args)
    assert _peak(lambda: call(*args)) < 1 * MiB
