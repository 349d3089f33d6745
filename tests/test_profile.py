"""Calibration profiles and the method selector: deterministic, consistent, robust."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import fftconv as fc
from fftconv import _profile
from fftconv._method import BUILTIN

CASES = [
    ((1000,), (3,)),
    ((100_000,), (101,)),
    ((200_000,), (4095,)),
    ((64, 64), (3, 3)),
    ((256, 256), (31, 31)),
    ((8, 4096), (1, 255)),
]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory, and the active constants reset around the test."""
    monkeypatch.setenv("FFTCONV_CACHE_DIR", str(tmp_path))
    _profile.set_active(None)
    yield tmp_path
    _profile.set_active(None)


def _fake_measure() -> fc.Constants:
    """Constants that differ from the built-in ones (calibration itself takes ~30 s)."""
    return dataclasses.replace(BUILTIN, direct_nd_step_ns=1.0, source="measured")


def test_no_profile_means_builtin(cache_dir: Path) -> None:
    assert _profile.active() is BUILTIN


def test_calibrate_writes_profile_that_reloads(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("fftconv._calibrate.measure", _fake_measure)
    constants = fc.calibrate()
    path = cache_dir / "profile.json"
    assert path.exists() and constants.source == str(path)
    assert _profile.active() is constants
    _profile.set_active(None)  # a new process: load from disk
    reloaded = _profile.active()
    assert reloaded.direct_nd_step_ns == 1.0
    assert reloaded.fft_table == BUILTIN.fft_table
    assert reloaded.source == str(path)


def test_calibrate_save_false_writes_nothing(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("fftconv._calibrate.measure", _fake_measure)
    fc.calibrate(save=False)
    assert not list(cache_dir.iterdir())
    assert _profile.active().direct_nd_step_ns == 1.0


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"schema": 99}),
        json.dumps({"schema": _profile.SCHEMA, "fingerprint": None, "constants": {}}),
        "",
    ],
    ids=["corrupt", "future-schema", "foreign", "empty"],
)
def test_unusable_profile_falls_back_with_warning(cache_dir: Path, content: str) -> None:
    (cache_dir / "profile.json").write_text(content)
    with pytest.warns(RuntimeWarning, match="ignores the calibration profile"):
        assert _profile.active() is BUILTIN
    # The fallback holds for the rest of the process: no second warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fc.convolve(np.ones(10), np.ones(3))


def test_profile_with_bad_numbers_falls_back(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("fftconv._calibrate.measure", _fake_measure)
    fc.calibrate()
    path = cache_dir / "profile.json"
    data = json.loads(path.read_text())
    data["constants"]["fft_call_ns"] = -5
    path.write_text(json.dumps(data))
    _profile.set_active(None)
    with pytest.warns(RuntimeWarning, match="cannot be used"):
        assert _profile.active() is BUILTIN


def test_foreign_machine_profile_falls_back(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("fftconv._calibrate.measure", _fake_measure)
    fc.calibrate()
    path = cache_dir / "profile.json"
    data = json.loads(path.read_text())
    data["fingerprint"]["machine"] = "some-other-cpu"
    path.write_text(json.dumps(data))
    _profile.set_active(None)
    with pytest.warns(RuntimeWarning, match="another machine"):
        assert _profile.active() is BUILTIN


@pytest.mark.parametrize(("xs", "hs"), CASES)
def test_choice_is_deterministic_and_is_what_auto_runs(cache_dir: Path, xs, hs) -> None:
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal(xs), rng.standard_normal(hs)
    choices = {fc.choose_method(x, h, "same").method for _ in range(5)}
    assert len(choices) == 1
    (method,) = choices
    # auto's result is bitwise the chosen method's result.
    assert np.array_equal(fc.convolve(x, h, "same"), fc.convolve(x, h, "same", method))


def test_choice_follows_the_profile(cache_dir: Path) -> None:
    # A full-rank kernel, so that the separable split is not a candidate.
    x, h = np.ones((256, 256)), np.random.default_rng(0).standard_normal((5, 5))
    cheap_direct = dataclasses.replace(
        BUILTIN, direct_nd_ns={k: 1e-6 for k in BUILTIN.direct_nd_ns}, direct_nd_step_ns=0.0
    )
    _profile.set_active(cheap_direct)
    assert fc.choose_method(x, h).method == "direct"
    dear_direct = dataclasses.replace(BUILTIN, direct_nd_ns={k: 1e3 for k in BUILTIN.direct_nd_ns})
    _profile.set_active(dear_direct)
    assert fc.choose_method(x, h).method in ("fft", "oa")


def test_choose_method_reports_every_candidate() -> None:
    choice = fc.choose_method(np.ones(100_000), np.ones(1023))
    assert set(choice.costs) == {"direct", "fft", "oa"}
    assert choice.method == min(choice.costs, key=choice.costs.__getitem__)
    assert all(c > 0 for c in choice.costs.values())


def test_integers_too_large_for_an_exact_fft_only_offer_direct() -> None:
    # Outputs up to 4096 * 2**50 = 2**62: beyond float64's 2**53, inside int64.
    x = np.full(4096, 2**40 + 1, dtype=np.int64)
    h = np.full(4096, 2**10, dtype=np.int64)
    choice = fc.choose_method(x, h)
    assert set(choice.costs) == {"direct"}
    out = fc.convolve(x, h)
    assert out[4095] == 4096 * (2**40 + 1) * 2**10  # exact: not a multiple of 2**10 rounding
    assert np.array_equal(out[:3], np.array([1, 2, 3]) * (2**40 + 1) * 2**10)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(("n", "m"), [(1000, 3), (7, 20), (20, 7), (1, 1), (5000, 255)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["auto", "direct"])
def test_plain_1d_path_is_the_general_path(op, mode, n, m, dtype, method) -> None:
    # axes=0 takes the general path; the default options may take the lean 1-D one.
    rng = np.random.default_rng(n * m)
    x, h = rng.standard_normal(n).astype(dtype), rng.standard_normal(m).astype(dtype)
    func = getattr(fc, op)
    general = func(x, h, mode, method, axes=0)
    for _ in range(2):  # the second call finds auto's remembered choice
        assert np.array_equal(func(x, h, mode, method), general)
