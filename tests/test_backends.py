"""FFT backends: set_backend / get_backend, per-thread isolation, per-call backend=, the
pyfftw-missing fallback, and the pyfftw plan cache under concurrent threads."""

import functools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyfftw
import pytest
import scipy.fft
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc
from fftconv._backends import resolve_backend

from ._data import BACKENDS, OPS
from .reference import assert_matches, reference

ROOT = Path(__file__).resolve().parent.parent


def test_default_backend_is_pyfftw():
    # pyfftw is installed in the test environment
    assert fc.get_backend() == "pyfftw"
    assert isinstance(fc.get_backend(), str)


@pytest.mark.parametrize("name", BACKENDS)
def test_set_backend_restores_on_exit(name):
    before = fc.get_backend()
    with fc.set_backend(name):
        assert fc.get_backend() == name
    assert fc.get_backend() == before


def test_set_backend_nests():
    before = fc.get_backend()
    with fc.set_backend("numpy"):
        with fc.set_backend("scipy"):
            assert fc.get_backend() == "scipy"
            with fc.set_backend("pyfftw"):
                assert fc.get_backend() == "pyfftw"
            assert fc.get_backend() == "scipy"
        assert fc.get_backend() == "numpy"
    assert fc.get_backend() == before


def test_set_backend_restores_on_exception():
    before = fc.get_backend()
    with pytest.raises(RuntimeError, match="boom"):
        with fc.set_backend("numpy"):
            with fc.set_backend("scipy"):
                raise RuntimeError("boom")
    assert fc.get_backend() == before


def test_set_backend_restores_after_error_inside_convolve():
    before = fc.get_backend()
    with pytest.raises(ValueError, match="mode"):
        with fc.set_backend("numpy"):
            fc.convolve([1.0, 2.0], [1.0], mode="bogus")
    assert fc.get_backend() == before


@pytest.mark.parametrize("name", ["fftw", "NUMPY", "", None])
def test_set_backend_unknown_name(name):
    before = fc.get_backend()
    with pytest.raises(ValueError, match="backend"):
        with fc.set_backend(name):
            pass
    assert fc.get_backend() == before


# --- per-call backend= really uses that library --------------------------------------------
_TRANSFORMS = ("rfftn", "irfftn", "fftn", "ifftn")


class _Calls:
    """Counts calls into numpy.fft, scipy.fft and pyfftw (the libraries, not fftconv)."""

    def __init__(self, monkeypatch):
        import pyfftw

        # Cached FFTW plans would serve the call without touching pyfftw's API.
        resolve_backend("pyfftw").clear_cache()
        self.counts = {"numpy": 0, "scipy": 0, "pyfftw": 0}
        for lib, module, names in (
            ("numpy", np.fft, _TRANSFORMS),
            ("scipy", scipy.fft, _TRANSFORMS),
            ("pyfftw", pyfftw, ("FFTW", "empty_aligned")),
        ):
            for name in names:
                monkeypatch.setattr(module, name, self._wrap(lib, getattr(module, name)))

    def _wrap(self, lib, func):
        def wrapper(*args, **kwargs):
            self.counts[lib] += 1
            return func(*args, **kwargs)

        return wrapper


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex64])
@pytest.mark.parametrize("how", ["per-call", "context"])
@pytest.mark.parametrize("name", BACKENDS)
def test_backend_is_used(name, how, dtype, method, op, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 4)).astype(dtype)
    h = rng.standard_normal((9, 3)).astype(dtype)
    calls = _Calls(monkeypatch)
    if how == "per-call":
        got = getattr(fc, op)(x, h, "same", method, backend=name)
    else:
        with fc.set_backend(name):
            got = getattr(fc, op)(x, h, "same", method)
    assert calls.counts[name] > 0, calls.counts
    others = {k: v for k, v in calls.counts.items() if k != name}
    assert not any(others.values()), f"backend {name!r} but {calls.counts}"
    assert_matches(got, reference(x, h, "same", kind=op), x, h)


@pytest.mark.parametrize("name", BACKENDS)
def test_per_call_backend_does_not_change_current(name):
    before = fc.get_backend()
    fc.convolve(np.ones(50), np.ones(7), method="fft", backend=name)
    assert fc.get_backend() == before


# --- threads -----------------------------------------------------------------------------------
def test_backend_set_in_a_thread_does_not_leak():
    default = fc.get_backend()
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with fc.set_backend("numpy"):
            seen["inside"] = fc.get_backend()
            entered.set()
            release.wait(10)
        seen["after"] = fc.get_backend()

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert entered.wait(10)
        assert fc.get_backend() == default  # while the other thread is inside its block
    finally:
        release.set()
        t.join(10)
    assert seen == {"inside": "numpy", "after": default}


def test_backend_set_in_main_does_not_leak_into_running_thread():
    default = fc.get_backend()
    ready, check, done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def worker():
        ready.set()
        check.wait(10)
        seen["worker"] = fc.get_backend()
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    assert ready.wait(10)
    with fc.set_backend("scipy"):
        check.set()
        assert done.wait(10)
        assert fc.get_backend() == "scipy"
    t.join(10)
    assert seen == {"worker": default}


def test_threads_hold_different_backends_at_once():
    barrier = threading.Barrier(len(BACKENDS))
    seen, errors = {}, []
    rng = np.random.default_rng(2)
    x = rng.standard_normal(200)
    h = rng.standard_normal(11)
    ref = reference(x, h)

    def worker(name):
        try:
            with fc.set_backend(name):
                barrier.wait(10)
                for _ in range(20):
                    got = fc.convolve(x, h, method="fft")
                    assert_matches(got, ref, x, h)
                    assert fc.get_backend() == name
                barrier.wait(10)
                seen[name] = fc.get_backend()
        except Exception as exc:  # reported below, in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(n,)) for n in BACKENDS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert seen == {n: n for n in BACKENDS}


@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
def test_pyfftw_plan_cache_concurrent_threads(method, dtype):
    """Threads convolving the same shapes at once (the same plan-cache keys but for the
    thread) each get their own correct answer."""
    n_threads, rounds = 4, 40
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((64, 48)).astype(dtype) for _ in range(n_threads)]
    hs = [rng.standard_normal((5, 4)).astype(dtype) for _ in range(n_threads)]
    refs = [reference(x, h, "same") for x, h in zip(xs, hs, strict=True)]
    barrier = threading.Barrier(n_threads)
    errors = []

    def worker(i):
        try:
            barrier.wait(10)
            for _ in range(rounds):
                got = fc.convolve(xs[i], hs[i], "same", method, backend="pyfftw")
                assert_matches(got, refs[i], xs[i], hs[i])
        except Exception as exc:  # reported below, in the main thread
            errors.append((i, exc))
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("name", BACKENDS)
def test_results_do_not_alias_backend_buffers(name, method, op):
    """A later call with the same shapes (the same cached plan) leaves earlier results alone."""
    rng = np.random.default_rng(5)
    x1, x2 = rng.standard_normal((2, 300))
    h = rng.standard_normal(12)
    r1 = getattr(fc, op)(x1, h, "same", method, backend=name)
    kept = r1.copy()
    r2 = getattr(fc, op)(x2, h, "same", method, backend=name)
    assert np.array_equal(r1, kept)
    assert not np.shares_memory(r1, r2)


@pytest.mark.parametrize("workers", [1, 2, -1, None])
@pytest.mark.parametrize("name", BACKENDS)
def test_workers_do_not_change_results(name, workers):
    # 300 x 300 full transforms are above 2**16 points: the multi-threaded default
    rng = np.random.default_rng(4)
    x = rng.standard_normal((150, 151))
    h = rng.standard_normal((151, 150))
    want = fc.convolve(x, h, "full", "fft", workers=1, backend=name)
    got = fc.convolve(x, h, "full", "fft", workers=workers, backend=name)
    tol = 2 * 8 * np.finfo(np.float64).eps * np.log2(300 * 300) * np.linalg.norm(x)
    assert np.max(np.abs(got - want)) <= tol * np.linalg.norm(h)


# --- pyfftw's transposed layout for images ---------------------------------------------------
@pytest.fixture
def every_image_transposed(monkeypatch):
    """pyfftw's transposed layout for images of every size; plans made meanwhile are
    dropped before and after (a cached spectrum must never meet a filter of the other
    layout)."""
    from fftconv._backends import _pyfftw

    backend = resolve_backend("pyfftw")
    backend.clear_cache()
    monkeypatch.setattr(_pyfftw, "_TRANSPOSED_MIN", 0)
    yield
    backend.clear_cache()


@functools.cache
def _small_reference(xs, hs, dtype, mode, op):
    """The naive reference of `test_transposed_layout_agrees_with_the_reference`'s small
    cases (the same inputs for both thresholds)."""
    x, h = _transposed_case_inputs(xs, hs, np.dtype(dtype))
    return reference(x, h, mode, kind=op)


def _transposed_case_inputs(xs, hs, dtype):
    rng = np.random.default_rng([*xs, *hs, dtype.num])
    x = rng.standard_normal(xs).astype(dtype)
    h = rng.standard_normal(hs).astype(dtype)
    if np.iscomplexobj(x):
        x = x + 1j * rng.standard_normal(xs).astype(x.real.dtype)
        h = h + 1j * rng.standard_normal(hs).astype(h.real.dtype)
    return x, h


_TRANSPOSED_CASES = {
    "small": ((20, 33), (5, 9)),
    "one-column-kernel": ((33, 20), (9, 1)),
    "equal": ((12, 10), (12, 10)),
    "above-threshold": ((700, 740), (11, 7)),  # transposed by default
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize(
    ("case", "threshold"),
    [
        (case, threshold)
        for case in _TRANSPOSED_CASES
        for threshold in ("every image", "default")
        if (case, threshold) != ("above-threshold", "every image")  # the same case
    ],
)
def test_transposed_layout_agrees_with_the_reference(case, threshold, dtype, mode, op, request):
    """Images transformed in pyfftw's transposed layout (the kernel's spectrum and the
    filter both: `transposed_layout`) give the reference result, one-shot and through
    `Convolver` (a spectrum made once, then filters), with odd, even and power-of-two
    lengths; a batch of images keeps the row-major layout and agrees too."""
    from fftconv._backends import _pyfftw

    xs, hs = _TRANSPOSED_CASES[case]
    if threshold == "every image":
        request.getfixturevalue("every_image_transposed")
    x, h = _transposed_case_inputs(xs, hs, np.dtype(dtype))
    lengths = [xs[a] + hs[a] - 1 for a in (0, 1)]
    real = not np.iscomplexobj(x)
    assert _pyfftw.transposed_layout(2, lengths, (0, 1), real) == (
        threshold == "every image" or x.size > 10_000
    )
    if x.size < 10_000:
        want = _small_reference(xs, hs, np.dtype(dtype).name, mode, op)
    else:  # against scipy's FFT in double precision
        wide = np.float64 if real else np.complex128
        want = getattr(scipy.signal, op)(x.astype(wide), h.astype(wide), mode, "fft")
        want = want.astype(np.result_type(x, h))
    assert_matches(getattr(fc, op)(x, h, mode, "fft", backend="pyfftw"), want, x, h)
    conv = fc.Convolver(h, xs, mode, kind=op, method="fft", backend="pyfftw")
    assert_matches(conv(x), want, x, h)
    batch = fc.Convolver(
        h[np.newaxis], (2, *xs), mode, kind=op, method="fft", axes=(1, 2), backend="pyfftw"
    )
    assert_matches(batch(np.stack([x, 2 * x]))[0], want, x, h)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_transposed_layout_one_shot_plans(dtype, mode, op, every_image_transposed, monkeypatch):
    """A plan too large to cache (a fresh one per call, whose result overwrites x's rows
    and whose column transforms run in place) gives the reference result, call after
    call."""
    from fftconv._backends import _pyfftw

    monkeypatch.setattr(_pyfftw, "_CACHE_MAX_BYTES", 0)
    x, h = _transposed_case_inputs(*_TRANSPOSED_CASES["small"], np.dtype(dtype))
    want = _small_reference(*_TRANSPOSED_CASES["small"], np.dtype(dtype).name, mode, op)
    for _ in range(2):
        assert_matches(getattr(fc, op)(x, h, mode, "fft", backend="pyfftw"), want, x, h)


# --- pyfftw missing ------------------------------------------------------------------------------
_NO_PYFFTW = r"""
import json, sys, warnings
sys.modules["pyfftw"] = None  # any "import pyfftw" now raises ImportError
with warnings.catch_warnings(record=True) as rec:
    warnings.simplefilter("always")
    import numpy as np
    import fftconv as fc
    names = [fc.get_backend()]
    r1 = fc.convolve(np.ones(5), np.ones(3), method="fft")
    r2 = fc.correlate(np.ones(500), np.ones(30), method="oa")
    r3 = fc.fftconvolve(np.ones(5), np.ones(3))
    names.append(fc.get_backend())
    try:
        with fc.set_backend("pyfftw"):
            pass
        explicit = "no error"
    except ImportError as exc:
        explicit = "ImportError"
    except Exception as exc:
        explicit = type(exc).__name__
    try:
        fc.convolve(np.ones(5), np.ones(3), method="fft", backend="pyfftw")
        per_call = "no error"
    except ImportError as exc:
        per_call = "ImportError"
    except Exception as exc:
        per_call = type(exc).__name__
print(json.dumps({
    "names": names,
    "warnings": [[w.category.__name__, str(w.message)] for w in rec],
    "r1": r1.tolist(),
    "r2_ok": bool(np.allclose(r2[29:500], 30)),
    "explicit": explicit,
    "per_call": per_call,
    "pyfftw_imported": sys.modules.get("pyfftw") is not None,
}))
"""


@pytest.fixture(scope="module")
def no_pyfftw_run():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", _NO_PYFFTW],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_without_pyfftw_default_is_scipy(no_pyfftw_run):
    assert no_pyfftw_run["names"] == ["scipy", "scipy"]
    assert not no_pyfftw_run["pyfftw_imported"]
    assert no_pyfftw_run["r1"] == pytest.approx([1, 2, 3, 3, 3, 2, 1], abs=1e-12)
    assert no_pyfftw_run["r2_ok"]


def test_without_pyfftw_warns_exactly_once(no_pyfftw_run):
    warnings = no_pyfftw_run["warnings"]
    assert len(warnings) == 1, warnings
    assert "pyfftw" in warnings[0][1]


def test_without_pyfftw_asking_for_it_is_import_error(no_pyfftw_run):
    # set_backend's docstring: ImportError if name is 'pyfftw' and pyfftw cannot be imported
    assert no_pyfftw_run["explicit"] == "ImportError"
    assert no_pyfftw_run["per_call"] == "ImportError"


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("n", "m"), [(1000, 15), (20_000, 101), (200_000, 101), (50_000, 1001)])
def test_overlap_add_bits_do_not_depend_on_threads(n, m, mode):
    """'oa' gives the same bits on 1 and 2 threads (FFTW's threaded plan of a single
    small transform rounds differently; fftconv runs those on one thread), so a result
    does not depend on `workers`."""
    rng = np.random.default_rng(n + m)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    one = fc.convolve(x, h, mode, method="oa", workers=1)
    two = fc.convolve(x, h, mode, method="oa", workers=2)
    assert np.array_equal(one, two)


def _pyfftw_kind(n):
    """pyfftw.next_fast_len's lengths: 2^a 3^b 5^c 7^d, times at most one 11 or 13."""
    for p in (2, 3, 5, 7):
        while n % p == 0:
            n //= p
    return n in (1, 11, 13)


def test_fast_length_table_is_sorted_and_of_pyfftw_kind():
    from fftconv._backends._fast_lengths import FAST_LENGTHS, LIMIT

    assert list(FAST_LENGTHS) == sorted(set(FAST_LENGTHS))
    assert FAST_LENGTHS[-1] == LIMIT  # the longest candidate is always kept
    assert all(_pyfftw_kind(n) for n in FAST_LENGTHS)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 1 << 23))
def test_pyfftw_pads_to_a_fast_length_at_least_n(n):
    from fftconv._backends._fast_lengths import FAST_LENGTHS, LIMIT

    backend = resolve_backend("pyfftw")
    length = backend.next_fast_len(n, True)
    assert length >= n and _pyfftw_kind(length)
    if n <= LIMIT:
        # the smallest table length >= n: the fastest measured (see benchmarks/fast_lengths.py)
        assert length == min(m for m in FAST_LENGTHS if m >= n)
    else:
        assert length == pyfftw.next_fast_len(n)
    # an image of unknown dtype: the smallest length of the kind
    assert backend.next_fast_len(n, True, 2) == pyfftw.next_fast_len(n)


def test_image_length_tables_are_sorted_and_of_pyfftw_kind():
    from fftconv._backends._fast_lengths_2d import FAST_LENGTHS_2D, LIMIT, LOWEST

    assert set(FAST_LENGTHS_2D) == {"float64", "float32"}
    for table in FAST_LENGTHS_2D.values():
        assert list(table) == sorted(set(table))
        assert table[0] >= LOWEST and table[-1] == LIMIT  # the longest is always kept
        assert all(_pyfftw_kind(n) for n in table)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 1 << 14), st.sampled_from(["float64", "float32"]))
def test_pyfftw_pads_real_images_to_their_dtypes_measured_length(n, dtype):
    from fftconv._backends._fast_lengths_2d import FAST_LENGTHS_2D, LIMIT, LOWEST

    backend = resolve_backend("pyfftw")
    length = backend.next_fast_len(n, True, 2, np.dtype(dtype))
    assert length >= n and _pyfftw_kind(length)
    if LOWEST <= n <= LIMIT:
        assert length == min(m for m in FAST_LENGTHS_2D[dtype] if m >= n)
    else:
        assert length == pyfftw.next_fast_len(n)
    # Either axis of the transform (the first one's pass is complex): the same length.
    assert backend.next_fast_len(n, False, 2, np.dtype(dtype)) == length
    # Complex images and 3-D transforms: the smallest length of the kind.
    for ndim, other in ((2, np.dtype("complex128")), (3, np.dtype(dtype))):
        assert backend.next_fast_len(n, False, ndim, other) == pyfftw.next_fast_len(n)


@pytest.mark.parametrize("n", [1, 2, 7, 11, 13, 26, 143, 1000, 1029, 10080, 1 << 20])
def test_pyfftw_fast_periods(n):
    """The wrap boundary's circular transform takes any period of pyfftw's kind, also
    one the backend would pad past when it may choose (1000 pads to 1024)."""
    backend = resolve_backend("pyfftw")
    assert backend.is_fast_len(n, True) == _pyfftw_kind(n) == (n != 143)
    assert not backend.is_fast_len(17, True) and not backend.is_fast_len(2 * 17, False)
