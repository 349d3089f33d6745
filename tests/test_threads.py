"""Eight threads calling convolve, correlate, a shared Convolver and match_template at once,
with varied shapes, dtypes and backends (set_backend per thread and backend= per call),
all get the reference answers; the backend and the FFTW effort are per context and
restored after errors."""

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fftconv as fc

from .reference import assert_matches, reference

THREADS = 8
ROUNDS = 6
BACKEND_NAMES = ("pyfftw", "scipy", "numpy")
CASES = [
    # (op, shape1, shape2, dtype, mode, method, axes)
    ("convolve", (300,), (41,), np.float64, "full", "fft", None),
    ("correlate", (257,), (30,), np.complex128, "same", "oa", None),
    ("convolve", (40, 33), (7, 5), np.float32, "valid", "auto", None),
    ("correlate", (3, 200), (1, 17), np.float64, "full", "oa", -1),
    ("convolve", (120,), (60,), np.int32, "same", "fft", None),
    ("correlate", (25, 26), (4, 4), np.complex64, "full", "direct", None),
    ("convolve", (500,), (3,), np.float64, "same", "auto", None),
    ("correlate", (90,), (90,), np.int16, "valid", "auto", None),
]


def _inputs(i):
    op, s1, s2, dtype, mode, method, axes = CASES[i]
    rng = np.random.default_rng(100 + i)
    if np.dtype(dtype).kind in "iu":
        x = rng.integers(-20, 20, s1).astype(dtype)
        h = rng.integers(-20, 20, s2).astype(dtype)
    else:
        x = rng.standard_normal(s1) + (
            1j * rng.standard_normal(s1) if dtype in (np.complex64, np.complex128) else 0
        )
        h = rng.standard_normal(s2) + (
            1j * rng.standard_normal(s2) if dtype in (np.complex64, np.complex128) else 0
        )
        x, h = x.astype(dtype), h.astype(dtype)
    x.flags.writeable = h.flags.writeable = False  # shared by the threads
    return x, h


@pytest.fixture(scope="module")
def expected():
    """Inputs and reference results, computed once before the threads start."""
    out = []
    for i, (op, _, _, _, mode, _, axes) in enumerate(CASES):
        x, h = _inputs(i)
        out.append((x, h, reference(x, h, mode, kind=op, axes=axes)))
    return out


def _check(i, got, expected):
    x, h, want = expected[i]
    axes = CASES[i][6]
    assert_matches(got, want, x, h, axes=axes)


def test_threads_get_reference_answers(expected):
    kernel = np.hanning(33)
    signal_shape = (4, 500)
    shared = fc.Convolver(kernel[np.newaxis], signal_shape, "same", axes=-1)
    signals = np.random.default_rng(1).standard_normal((THREADS, *signal_shape))
    signals.flags.writeable = False
    conv_want = [reference(s, kernel[np.newaxis], "same", axes=-1) for s in signals[:, :, :60]]
    barrier = threading.Barrier(THREADS)

    def worker(t):
        name = BACKEND_NAMES[t % 3]
        barrier.wait()  # all threads run at the same time
        with fc.set_backend(name):
            for r in range(ROUNDS):
                i = (t + r) % len(CASES)
                op, _, _, _, mode, method, axes = CASES[i]
                x, h, _ = expected[i]
                # alternately the thread's backend and another one per call
                backend = None if r % 2 == 0 else BACKEND_NAMES[(t + r) % 3]
                got = getattr(fc, op)(x, h, mode, method, axes=axes, backend=backend)
                _check(i, got, expected)
                assert fc.get_backend() == name  # not clobbered by other threads
                y = shared(signals[t])
                short = fc.convolve(signals[t, :, :60], kernel[np.newaxis], "same", axes=-1)
                assert_matches(short, conv_want[t], signals[t, :, :60], kernel[np.newaxis], axes=-1)
                np.testing.assert_allclose(
                    y,
                    fc.convolve(signals[t], kernel[np.newaxis], "same", "direct", axes=-1),
                    rtol=0,
                    atol=1e-12,
                )
        return fc.get_backend()

    with ThreadPoolExecutor(THREADS) as pool:
        finals = list(pool.map(worker, range(THREADS)))
    default = fc.get_backend()
    assert finals == [default] * THREADS  # each thread's context restored on exit


def test_match_template_in_threads():
    skimage_feature = pytest.importorskip("skimage.feature")
    rng = np.random.default_rng(4)
    images = [rng.standard_normal((40 + t, 50)) for t in range(THREADS)]
    templates = [images[t][5:12, 9:20].copy() for t in range(THREADS)]
    want = [skimage_feature.match_template(i, tp) for i, tp in zip(images, templates, strict=True)]
    barrier = threading.Barrier(THREADS)

    def worker(t):
        barrier.wait()
        with fc.set_backend(BACKEND_NAMES[t % 3]):
            return [fc.match_template(images[t], templates[t]) for _ in range(ROUNDS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    for t, got in enumerate(results):
        for g in got:
            assert g.shape == want[t].shape
            np.testing.assert_allclose(g, want[t], rtol=0, atol=1e-9)


def test_backend_restored_after_errors_in_threads():
    barrier = threading.Barrier(THREADS)

    def worker(t):
        name = BACKEND_NAMES[t % 3]
        barrier.wait()
        with fc.set_backend(name):
            with pytest.raises(ValueError, match="mode"):
                with fc.set_backend(BACKEND_NAMES[(t + 1) % 3]):
                    fc.convolve(np.ones(5), np.ones(2), mode="bogus")
            inner = fc.get_backend()
            with pytest.raises(ValueError):
                with fc.fftw_effort("measure"):
                    fc.convolve(np.ones(5), np.ones((2, 2)))
        return inner, fc.get_backend()

    default = fc.get_backend()
    with ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(worker, range(THREADS)))
    assert got == [(BACKEND_NAMES[t % 3], default) for t in range(THREADS)]


def test_set_backend_is_per_context_not_per_process():
    """A backend set in one thread (or asyncio task, or copied context) is invisible to
    the others."""
    seen = {}
    ready, done = threading.Event(), threading.Event()

    def setter():
        with fc.set_backend("numpy"):
            ready.set()
            done.wait(5)

    thread = threading.Thread(target=setter)
    thread.start()
    ready.wait(5)
    seen["main"] = fc.get_backend()
    done.set()
    thread.join()
    assert seen["main"] == fc.get_backend() != "numpy"  # the default, while numpy was set
    with fc.set_backend("scipy"):
        assert contextvars.copy_context().run(fc.get_backend) == "scipy"

        async def task(name):
            with fc.set_backend(name):
                await asyncio.sleep(0)
                return fc.get_backend()

        async def main():
            return await asyncio.gather(task("numpy"), task("pyfftw"))

        assert asyncio.run(main()) == ["numpy", "pyfftw"]
        assert fc.get_backend() == "scipy"
