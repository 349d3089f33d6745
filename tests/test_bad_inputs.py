"""Every row of the bad-input table (tests/bad_input_table.py, docs/errors.rst): a correct
result or a ValueError/TypeError whose message names the argument, what was given and
what is accepted; never a write to an input."""

import importlib
import pathlib

import numpy as np
import pytest

import fftconv as fc

from .bad_input_table import ROWS, Ok, Raises, rst_table, run

ROOT = pathlib.Path(__file__).parents[1]
LOCAL = [r for r in ROWS if not r.home]
ELSEWHERE = [r for r in ROWS if r.home]


def _arrays(value):
    """The ndarrays inside an argument (lists of kernels included)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return []


def _plain(value):
    """A plain, native, contiguous ndarray with the same values (lists stay lists)."""
    if isinstance(value, np.ndarray):
        a = np.array(value, subok=False)
        return a.astype(a.dtype.newbyteorder("=")) if a.dtype.kind in "biufc" else a
    if isinstance(value, list):
        return np.array(value)
    return value


def _leaves(result):
    return list(result) if isinstance(result, tuple) else [result]


def _assert_close(got, want, eps_dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    if got.dtype.kind in "biuU" or want.dtype.kind in "biuU":
        assert np.array_equal(got, want)
        return
    # A norm-wise bound (SPEC §4) in the precision computed, against the same call on
    # plain inputs (FFT libraries may take other SIMD paths for other alignments).
    scale = float(np.max(np.abs(want), initial=0.0))
    eps = float(np.finfo(eps_dtype).eps)
    np.testing.assert_allclose(got, want, rtol=0, atol=64 * eps * max(scale, 1e-300))


@pytest.mark.parametrize("row", LOCAL, ids=[r.id for r in LOCAL])
def test_row(row):
    args, kwargs = row.args()
    inputs = _arrays(list(args) + list(kwargs.values()))
    before = [a.copy() for a in inputs]
    result, exc = run_with(row, args, kwargs)
    for a, b in zip(inputs, before, strict=True):
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), "an input was written to"
    if isinstance(row.outcome, Raises):
        assert exc is not None, f"{row.id}: no error; returned {result!r}"
        if not isinstance(exc, row.outcome.error):
            raise exc
        with pytest.raises(row.outcome.error, match=row.outcome.match):
            raise exc
        return
    if exc is not None:
        raise exc
    if row.outcome.compare == "float32":
        plain = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args]
        want = row.call(*plain, **kwargs)
        for g, w in zip(_leaves(result), _leaves(want), strict=True):
            if isinstance(g, np.ndarray) and g.dtype.kind == "f":
                # float16 in, float32 out of the FFT, rounded once to float16
                eps = np.float16 if g.dtype == np.float16 else np.float32
                _assert_close(g, w, eps)
            else:
                assert np.array_equal(g, w) or g == w
        return
    want = row.call(*[_plain(a) for a in args], **kwargs)
    for g, w in zip(_leaves(result), _leaves(want), strict=True):
        if isinstance(w, np.ndarray):
            assert type(g) is np.ndarray, f"{type(g).__name__} returned for an ndarray subclass"
            assert g.dtype == w.dtype
            _assert_close(g, w, g.dtype if g.dtype.kind in "fc" else np.float64)
        else:
            assert g == w


def run_with(row, args, kwargs):
    try:
        return row.call(*args, **kwargs), None
    except Exception as exc:  # compared with the row's outcome by the caller
        return None, exc


@pytest.mark.parametrize("row", ELSEWHERE, ids=[r.id for r in ELSEWHERE])
def test_rows_tested_elsewhere(row):
    """A row whose home is another module: that test exists, and the library still does
    what the table (and so the docs) says."""
    module, name = row.home.split("::")
    mod = importlib.import_module("tests." + pathlib.Path(module).stem)
    assert callable(getattr(mod, name)), row.home
    _, exc = run(row)
    assert isinstance(exc, row.outcome.error)
    with pytest.raises(row.outcome.error, match=row.outcome.match):
        raise exc


def test_every_public_callable_has_rows():
    """The table covers the public API as it is now (a new function needs rows)."""
    covered = {r.target.split(".")[0] for r in ROWS}
    untested = {
        # no array or closed-choice argument to get wrong
        "Choice",
        "Constants",
        "get_backend",
        "forget_wisdom",
        "__version__",
        # covered by tests/test_profile.py and tests/test_wisdom.py
        "calibrate",
        "load_wisdom",
    }
    missing = set(fc.__all__) - covered - untested
    assert not missing, f"public names without bad-input rows: {sorted(missing)}"


def test_docs_table_is_current():
    """docs/errors.rst holds the table generated from the rows (regenerate it with
    ``python -m tests.bad_input_table``)."""
    page = (ROOT / "docs" / "errors.rst").read_text()
    assert rst_table() in page


def test_outcomes_are_documented_types():
    for row in ROWS:
        if isinstance(row.outcome, Raises):
            assert row.outcome.error in (ValueError, TypeError), row.id
        else:
            assert isinstance(row.outcome, Ok)
