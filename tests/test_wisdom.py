"""FFTW wisdom (opt-in): measured plans are correct, saved, reloaded, and a bad file is
ignored with a warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyfftw
import pytest

import fftconv as fc
from fftconv import _wisdom

from .reference import assert_matches, reference


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FFTCONV_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["fft", "oa"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_measured_plans_give_the_reference_result(op, method, dtype):
    # A measuring planner overwrites the arrays it plans on: the padding must still be
    # zero and the inputs untouched afterwards. Odd shapes, so the plans are new ones.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((37, 29)).astype(dtype)
    h = rng.standard_normal((5, 7)).astype(dtype)
    x0, h0 = x.copy(), h.copy()
    with fc.fftw_effort("measure"):
        first = getattr(fc, op)(x, h, "same", method)
        again = getattr(fc, op)(x, h, "same", method)
    assert_matches(first, reference(x, h, "same", kind=op), x, h)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)


def test_effort_is_scoped_to_the_block():
    assert _wisdom.planner_flag() == "FFTW_ESTIMATE"
    with fc.fftw_effort("patient"):
        assert _wisdom.planner_flag() == "FFTW_PATIENT"
    assert _wisdom.planner_flag() == "FFTW_ESTIMATE"


def test_bad_effort_names_the_argument():
    with pytest.raises(ValueError, match="effort"):
        with fc.fftw_effort("fast"):  # type: ignore[arg-type]
            pass


def test_save_then_load_round_trip(cache_dir):
    with fc.fftw_effort("measure"):
        fc.convolve(np.ones(300), np.ones(20), method="fft")
    path = fc.save_wisdom()
    assert path == cache_dir / "fftw_wisdom.json"
    saved = json.loads(path.read_text())
    assert saved["fingerprint"]["fftconv"] == fc.__version__
    fc.forget_wisdom()
    assert fc.load_wisdom() is True
    # What FFTW holds now is what was saved (double-precision wisdom at least).
    assert pyfftw.export_wisdom()[0] != b""


def test_missing_file_is_false_without_warning(cache_dir):
    assert fc.load_wisdom() is False  # pytest's filterwarnings=error catches any warning


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "Expecting"),
        (json.dumps({"schema": 99}), "schema"),
        (json.dumps({"schema": 1, "fingerprint": {"machine": "elsewhere"}}), "another machine"),
    ],
)
def test_bad_file_warns_and_is_ignored(cache_dir, content, reason):
    (cache_dir / "fftw_wisdom.json").write_text(content)
    with pytest.warns(RuntimeWarning, match=reason):
        assert fc.load_wisdom() is False


def test_explicit_path(tmp_path):
    target = tmp_path / "sub" / "w.json"
    assert fc.save_wisdom(target) == target
    assert fc.load_wisdom(str(target)) is True
