"""The same call gives bitwise the same output every time in a process: with cold and
warm plan caches, with and without the remembered-call memo (_PREPARED) and the method
choice memo, from several threads at once, and with a calibration profile loaded or not
(auto then runs the method the active profile picks, bit for bit that method's result),
and with FFTW wisdom (the same planner effort gives the same bits)."""

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fftconv as fc
from fftconv import _api, _dispatch, _profile
from fftconv._backends import resolve_backend

from ._data import METHODS, OPS

CASES = [
    # (shape1, shape2, dtype, mode, axes)
    ((5000,), (301,), np.float64, "full", None),
    ((2000,), (64,), np.float32, "same", None),
    ((64, 70), (9, 7), np.complex128, "valid", None),
    ((6, 3000), (1, 129), np.float64, "same", -1),
    ((3000,), (200,), np.int32, "full", None),
]
BACKEND_NAMES = ("pyfftw", "scipy", "numpy")


def _inputs(i):
    s1, s2, dtype, _, _ = CASES[i]
    rng = np.random.default_rng(i)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-50, 50, s1).astype(dtype), rng.integers(-50, 50, s2).astype(dtype)
    x, h = rng.standard_normal(s1), rng.standard_normal(s2)
    if np.dtype(dtype).kind == "c":
        x, h = x + 1j * rng.standard_normal(s1), h + 1j * rng.standard_normal(s2)
    return x.astype(dtype), h.astype(dtype)


def _forget_everything():
    """Cold caches: no remembered calls or choices, no FFTW plans or buffers."""
    _api._PREPARED.clear()
    _dispatch._CHOICES.clear()
    resolve_backend("pyfftw").clear_cache()


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_repeated_calls_cold_and_warm(case, method, op, backend):
    x, h = _inputs(case)
    _, _, _, mode, axes = CASES[case]

    def call():
        return getattr(fc, op)(x, h, mode, method, axes=axes, backend=backend)

    _forget_everything()
    first = call()  # cold: planned, chosen and remembered now
    for _ in range(3):
        _same_bits(call(), first)  # warm: the memo and cached plans
    _forget_everything()
    _same_bits(call(), first)
    _same_bits(
        getattr(fc, op)(list(x), list(h), mode, method, axes=axes, backend=backend)
        if x.ndim == 1
        else call(),
        first,
    )  # not remembered (a list): the slow path


@pytest.mark.parametrize("method", METHODS)
def test_threads_give_the_same_bits(method):
    x, h = _inputs(0)
    want = fc.correlate(x, h, "full", method)
    barrier = threading.Barrier(4)

    def worker(t):
        barrier.wait()
        with fc.set_backend("pyfftw"):
            return [fc.correlate(x, h, "full", method) for _ in range(5)]

    with ThreadPoolExecutor(4) as pool:
        for results in pool.map(worker, range(4)):
            for got in results:
                _same_bits(got, want)


def test_shared_convolver_across_threads():
    x, h = _inputs(3)
    conv = fc.Convolver(h, x.shape, "same", axes=-1)
    want = conv(x)

    def worker(_):
        return [conv(x) for _ in range(5)]

    with ThreadPoolExecutor(4) as pool:
        for results in pool.map(worker, range(4)):
            for got in results:
                _same_bits(got, want)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_profile_loaded_or_not(case):
    """Explicit methods do not depend on the profile; auto gives the bits of the method
    the active profile picks, every time."""
    x, h = _inputs(case)
    _, _, _, mode, axes = CASES[case]
    explicit = {m: fc.convolve(x, h, mode, m, axes=axes) for m in ("direct", "fft", "oa")}
    builtin_auto = fc.convolve(x, h, mode, axes=axes)
    cheap_fft = dataclasses.replace(_profile.active(), fft_call_ns=0.0, source="test")
    try:
        for profile in (cheap_fft, None):  # a loaded profile, then the built-in constants
            _profile.set_active(profile)
            picked = fc.choose_method(x, h, mode, axes=axes).method
            for _ in range(2):
                got = fc.convolve(x, h, mode, axes=axes)
                _same_bits(got, explicit[picked])
            for m, want in explicit.items():
                _same_bits(fc.convolve(x, h, mode, m, axes=axes), want)
    finally:
        _profile.set_active(None)
    _same_bits(fc.convolve(x, h, mode, axes=axes), builtin_auto)


@pytest.mark.parametrize("method", ["fft", "oa"])
def test_wisdom_same_effort_same_bits(method, tmp_path):
    x, h = _inputs(1)
    estimate = fc.convolve(x, h, "same", method)
    with fc.fftw_effort("measure"):
        measured = fc.convolve(x, h, "same", method)
        for _ in range(2):
            _same_bits(fc.convolve(x, h, "same", method), measured)
        path = fc.save_wisdom(tmp_path / "wisdom.json")
    fc.forget_wisdom()
    assert fc.load_wisdom(path)
    with fc.fftw_effort("measure"):
        _same_bits(fc.convolve(x, h, "same", method), measured)
    _same_bits(fc.convolve(x, h, "same", method), estimate)  # back to estimate plans
    fc.forget_wisdom()
