"""The bad-input table: what each public function and class does with each bad input.

One `Row` per (public entry point, bad input). tests/test_bad_inputs.py runs every row;
docs/errors.rst is generated from the same rows (``python tests/bad_input_table.py``), so
the page and the tests cannot disagree. Rows whose home is another test module say so
(`Row.home`) and are checked there; test_bad_inputs.py checks that the home exists.

Outcomes:

* ``Ok("same")``: the result equals the call on a plain, native, contiguous ndarray copy
  of the inputs (which the other test modules check against tests/reference.py);
* ``Ok("float32")``: float16 input, computed as float32 and rounded to the result dtype;
* ``Raises(error, match)``: that exception, with a message naming the argument, what was
  given and what is accepted (`match` is a regular expression searched in it).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import fftconv as fc

RNG = np.random.default_rng(7)
X2 = RNG.standard_normal((6, 7))  # a 2-D input
K2 = RNG.standard_normal((3, 2))  # a 2-D kernel
X1 = RNG.standard_normal(40)  # a series
K1 = RNG.standard_normal(5)  # a 1-D kernel


class _Sub(np.ndarray):
    """A user's ndarray subclass."""


@dataclass(frozen=True)
class Ok:
    compare: str  # "same" or "float32"


@dataclass(frozen=True)
class Raises:
    error: type[Exception]
    match: str


@dataclass(frozen=True)
class Row:
    target: str  # the public name, as users write it
    case: str  # the bad input
    given: str  # the argument as passed, for the docs
    outcome: Ok | Raises
    args: Callable[[], tuple[tuple[Any, ...], dict[str, Any]]] = field(repr=False)
    call: Callable[..., Any] = field(repr=False)
    home: str = ""  # "tests/module.py::test_name" when another module holds the test

    @property
    def id(self) -> str:
        return f"{self.target}-{self.case}"

    def describe(self) -> str:
        if isinstance(self.outcome, Ok):
            return (
                "computed as float32, returned in the result dtype"
                if self.outcome.compare == "float32"
                else "the same result as a plain ndarray"
            )
        return f"``{self.outcome.error.__name__}``"


# --- array arguments -------------------------------------------------------------------------
# (target, argument name, good value, call(value) -> result, wrong-ndim value)
def _conv_like(name: str, func: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda a: func(a, K2)


ARRAY_TARGETS: list[tuple[str, str, np.ndarray, Callable[[Any], Any]]] = [
    ("convolve", "in1", X2, lambda a: fc.convolve(a, K2)),
    ("correlate", "in2", K2, lambda a: fc.correlate(X2, a)),
    ("fftconvolve", "in1", X2, lambda a: fc.fftconvolve(a, K2)),
    ("oaconvolve", "in2", K2, lambda a: fc.oaconvolve(X2, a)),
    ("convolve2d", "in1", X2, lambda a: fc.convolve2d(a, K2)),
    ("correlate2d", "in2", K2, lambda a: fc.correlate2d(X2, a)),
    ("choose_method", "in1", X2, lambda a: fc.choose_method(a, K2).method),
    ("choose_conv_method", "in2", K2, lambda a: fc.choose_conv_method(X2, a)),
    ("sepconvolve", "in1", X2, lambda a: fc.sepconvolve(a, [K1[:3], K1[:2]])),
    ("Convolver", "kernel", K2, lambda a: fc.Convolver(a, X2.shape)(X2)),
    ("Convolver.__call__", "x", X2, lambda a: fc.Convolver(K2, (6, 7))(a)),
    ("StreamConvolver", "kernel", K1, lambda a: fc.StreamConvolver(a).process(X1)),
    ("StreamConvolver.process", "chunk", X1, lambda a: fc.StreamConvolver(K1).process(a)),
    ("xcorr", "x", X1, lambda a: fc.xcorr(a, X1[::-1], maxlag=5)),
    ("autocorr", "x", X1, lambda a: fc.autocorr(a, maxlag=5)),
    ("estimate_delay", "y", X1, lambda a: fc.estimate_delay(X1, a)),
]
if hasattr(fc, "match_template"):  # lands later in the same release
    ARRAY_TARGETS.append(
        ("match_template", "template", K2 + 1.0, lambda a: fc.match_template(X2, a))
    )

_ACCEPTED = r"accepted dtypes are bool, integers, floats and complex numbers"


def _read_only(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


def _matrix(a: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # numpy discourages np.matrix; users still pass it
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(a)


def _strided(a: np.ndarray) -> np.ndarray:
    return np.repeat(a, 2, axis=-1)[..., ::2]


# case -> (given, make(good) -> bad value, outcome(name, good) -> Ok | Raises | None)
# (None: the case does not apply to that input, e.g. np.matrix of a 1-D series)
LAYOUTS: dict[str, tuple[str, Callable[[np.ndarray], Any]]] = {
    "list": ("``a.tolist()``", lambda a: a.tolist()),
    "read-only": ("``a`` with ``a.flags.writeable = False``", _read_only),
    "non-contiguous": ("``a[..., ::2]`` of a larger array", _strided),
    "big-endian": ("``a.astype('>f8')``", lambda a: a.astype(">f8")),
    "matrix": ("``np.matrix(a)`` (2-D)", _matrix),
    "subclass": ("``a.view(MySubclass)``", lambda a: a.view(_Sub)),
}
BAD_DTYPES: dict[str, tuple[str, Callable[[np.ndarray], Any]]] = {
    "object": ("``a.astype(object)``", lambda a: a.astype(object)),
    "string": ("``a.astype(str)``", lambda a: a.astype(str)),
    "datetime": ("``datetime64`` values", lambda a: np.zeros(a.shape, "datetime64[s]")),
}


def _array_rows() -> list[Row]:
    rows = []
    for target, name, good, call in ARRAY_TARGETS:

        def row(
            case: str,
            given: str,
            value: Callable[[], Any],
            outcome: Ok | Raises,
            target: str = target,
            name: str = name,
            call: Callable[[Any], Any] = call,
        ) -> Row:
            return Row(
                target,
                f"{name}-{case}",
                given,
                outcome,
                lambda value=value: ((value(),), {}),  # type: ignore[misc]
                call,
            )

        for case, (given, make) in LAYOUTS.items():
            if case == "matrix" and good.ndim != 2:
                continue
            rows.append(row(case, given, lambda g=good, m=make: m(g), Ok("same")))
        rows.append(
            row(
                "float16",
                "``a.astype(np.float16)``",
                lambda g=good: g.astype(np.float16),
                Ok("float32"),
            )
        )
        rows.append(
            row(
                "masked",
                "``np.ma.masked_array(a)``",
                lambda g=good: np.ma.masked_array(g, mask=np.zeros(g.shape, bool)),
                Raises(TypeError, rf"{re.escape(name)} is a masked array"),
            )
        )
        for case, (given, make) in BAD_DTYPES.items():
            rows.append(
                row(
                    case,
                    given,
                    lambda g=good, m=make: m(g),
                    Raises(TypeError, rf"{re.escape(name)} has dtype .*; {_ACCEPTED}"),
                )
            )
        rows.extend(_shape_rows(target, name, good, row))
    return rows


# Shape cases per target: (case, given, value, outcome). The series functions take any
# ndim (time along `axis`); the 2-D and N-D ones need matching ndim.
_EMPTY = {
    "StreamConvolver.process": Ok("same"),  # an empty chunk: an empty output, as documented
    "StreamConvolver": Raises(ValueError, r"kernel must have at least one sample; got shape"),
    "sepconvolve": Raises(ValueError, r"in1 is empty along convolved axis"),
    "xcorr": Raises(ValueError, r"x .*empty"),
    "autocorr": Raises(ValueError, r"x .*empty"),
    "estimate_delay": Raises(ValueError, r"y .*empty"),
    "match_template": Raises(ValueError, r"template must not be empty; got shape \(0, 2\)"),
    "Convolver.__call__": Raises(
        ValueError, r"x has shape \(0, 7\); this Convolver was made for inputs of shape"
    ),
}
_SCALAR = {
    "StreamConvolver.process": r"chunk must have at least one dimension",
    "StreamConvolver": r"kernel must have at least one sample; got shape \(\)",
    "Convolver": r"kernel and shape need at least one dimension; got kernel shape \(\)",
    "Convolver.__call__": r"x has shape \(\); this Convolver was made for inputs of shape",
    "convolve2d": r"convolve2d inputs must both be 2-D arrays; got in1.ndim=0",
    "correlate2d": r"correlate2d inputs must both be 2-D arrays; got in1.ndim=2, in2.ndim=0",
    "sepconvolve": r"kernels has 2 kernels but in1 has only 0 dimension",
    "xcorr": r"x and y must have the same number of dimensions; got x.ndim=0",
    "match_template": r"template must have as many dimensions as image; got template.ndim=0",
    "autocorr": r"x must have at least one dimension",
    "estimate_delay": r"x and y must have the same number of dimensions; got x.ndim=1",
}


def _shape_rows(target: str, name: str, good: np.ndarray, row: Callable[..., Row]) -> list[Row]:
    rows = []
    empty_shape = (0,) + good.shape[1:]
    empty = _EMPTY.get(
        target, Raises(ValueError, rf"{re.escape(name)} is empty along convolved axis 0")
    )
    rows.append(
        row("empty", f"an array of shape {empty_shape}", lambda: np.ones(empty_shape), empty)
    )
    scalar = _SCALAR.get(
        target,
        r"in1 and in2 must have the same number of dimensions; got in1.ndim=\d+ .* "
        r"in2.ndim=\d+",
    )
    rows.append(
        row("0-d", "``np.float64(2.0)``", lambda: np.float64(2.0), Raises(ValueError, scalar))
    )
    rows.append(row("python-scalar", "``2.0``", lambda: 2.0, Raises(ValueError, scalar)))
    if target in ("autocorr", "StreamConvolver.process"):
        # Series: any ndim; a 3-D batch of the series is a correct batch result.
        rows.append(row("3-d", "``a[np.newaxis]``", lambda: good[np.newaxis], Ok("same")))
    elif target != "StreamConvolver":
        other = good[np.newaxis]
        message = {
            "convolve2d": r"convolve2d inputs must both be 2-D arrays; got in1.ndim=3",
            "correlate2d": r"correlate2d inputs must both be 2-D arrays; got in1.ndim=2, "
            r"in2.ndim=3",
            "sepconvolve": None,
            "Convolver.__call__": r"x has shape \(1, 6, 7\); this Convolver was made for inputs",
            "Convolver": r"x and kernel must have the same number of dimensions; got x.ndim=2",
            "estimate_delay": r"x and y must have the same number of dimensions; got x.ndim=1",
            "xcorr": r"x and y must have the same number of dimensions; got x.ndim=2",
            "match_template": r"template must have as many dimensions as image; got "
            r"template.ndim=3",
        }.get(target, r"in1 and in2 must have the same number of dimensions; got in1.ndim=\d")
        if message is not None:
            rows.append(
                row("wrong-ndim", "``a[np.newaxis]``", lambda: other, Raises(ValueError, message))
            )
    return rows


# --- option arguments --------------------------------------------------------------------------
def _option(
    target: str,
    option: str,
    value: Any,
    error: type[Exception],
    match: str,
    call: Callable[..., Any],
    home: str = "",
) -> Row:
    return Row(
        target,
        f"{option}={value!r}",
        f"``{option}={value!r}``",
        Raises(error, match),
        lambda: ((), {option: value}),
        call,
        home,
    )


def _listing(*values: str) -> str:
    """A regex for "one of 'a', 'b', ...; got ..." messages."""
    return "one of " + ", ".join(re.escape(repr(v)) for v in values)


MODES = ("full", "same", "valid")
METHODS = ("auto", "direct", "fft", "oa")
KINDS = ("convolve", "correlate")
BACKEND_NAMES = ("pyfftw", "scipy", "numpy")
SCALES = ("none", "biased", "unbiased", "coeff", "normalized")


def _option_rows() -> list[Row]:
    conv = lambda **kw: fc.convolve(X1, K1, **kw)  # noqa: E731
    corr = lambda **kw: fc.correlate(X1, K1, **kw)  # noqa: E731
    sep = lambda **kw: fc.sepconvolve(X2, [K1[:3], K1[:2]], **kw)  # noqa: E731
    conv_ = lambda **kw: fc.Convolver(K1, 40, **kw)  # noqa: E731
    stream = lambda **kw: fc.StreamConvolver(K1, **kw)  # noqa: E731
    xc = lambda **kw: fc.xcorr(X1, **kw)  # noqa: E731
    ac = lambda **kw: fc.autocorr(X1, **kw)  # noqa: E731
    delay = lambda **kw: fc.estimate_delay(X1, X1[::-1], **kw)  # noqa: E731
    chooser = lambda **kw: fc.choose_method(X1, K1, **kw)  # noqa: E731
    errors = "tests/test_errors.py::"
    rows = [
        # convolve/correlate: their home is tests/test_errors.py (every method and value)
        _option(
            "convolve",
            "mode",
            "bogus",
            ValueError,
            "mode must be " + _listing(*MODES),
            conv,
            errors + "test_unknown_mode",
        ),
        _option(
            "convolve",
            "method",
            "FFT",
            ValueError,
            "method must be " + _listing(*METHODS),
            conv,
            errors + "test_unknown_method",
        ),
        _option(
            "convolve",
            "backend",
            "fftw",
            ValueError,
            "backend must be " + _listing(*BACKEND_NAMES),
            conv,
            errors + "test_unknown_backend_per_call",
        ),
        _option(
            "convolve",
            "axes",
            (0, 0),
            ValueError,
            "axes must not repeat",
            conv,
            errors + "test_bad_axes",
        ),
        _option(
            "convolve",
            "axes",
            1.0,
            TypeError,
            "axes must be integers; got 1.0",
            conv,
            errors + "test_bad_axes",
        ),
        _option(
            "convolve",
            "workers",
            0,
            ValueError,
            "workers must be a positive",
            conv,
            errors + "test_bad_workers",
        ),
        _option(
            "convolve", "workers", 1.5, TypeError, "workers", conv, errors + "test_bad_workers"
        ),
        _option(
            "convolve2d",
            "boundary",
            "reflect",
            ValueError,
            "boundary must be one of",
            lambda **kw: fc.convolve2d(X2, K2, "same", **kw),
            errors + "test_bad_boundary",
        ),
        # the new options of convolve/correlate
        _option(
            "convolve",
            "boundary",
            "bogus",
            ValueError,
            r"boundary must be one of 'fill', 'wrap', 'symm'.*got 'bogus'",
            conv,
        ),
        _option(
            "correlate",
            "fillvalue",
            "a",
            ValueError,
            r"fillvalue must be a numeric scalar; got 'a'",
            lambda **kw: corr(mode="same", **kw),
        ),
        _option(
            "convolve",
            "nan_policy",
            "skip",
            ValueError,
            "nan_policy must be " + _listing("propagate", "raise", "omit") + "; got 'skip'",
            conv,
        ),
        _option(
            "convolve2d",
            "fillvalue",
            "a",
            ValueError,
            r"fillvalue must be a numeric scalar; got 'a'",
            lambda **kw: fc.convolve2d(X2, K2, "same", **kw),
        ),
        # match_template
        _option(
            "match_template",
            "pad_input",
            1,
            TypeError,
            "pad_input must be True or False; got 1",
            lambda **kw: fc.match_template(X2, K2 + 1.0, **kw),
        ),
        _option(
            "match_template",
            "mode",
            "bogus",
            ValueError,
            r"mode must be one of 'constant', 'edge'.*; got 'bogus'",
            lambda **kw: fc.match_template(X2, K2 + 1.0, pad_input=True, **kw),
        ),
        _option(
            "match_template",
            "constant_values",
            "a",
            TypeError,
            r"constant_values must be real numbers .*; got 'a'",
            lambda **kw: fc.match_template(X2, K2 + 1.0, pad_input=True, **kw),
        ),
        # sepconvolve
        _option(
            "sepconvolve",
            "mode",
            "bogus",
            ValueError,
            "mode must be " + _listing(*MODES) + "; got 'bogus'",
            sep,
        ),
        _option(
            "sepconvolve",
            "kind",
            "conv",
            ValueError,
            "kind must be " + _listing(*KINDS) + "; got 'conv'",
            sep,
        ),
        _option(
            "sepconvolve",
            "method",
            "fast",
            ValueError,
            "method must be " + _listing(*METHODS) + "; got 'fast'",
            sep,
        ),
        _option(
            "sepconvolve",
            "axes",
            (0, 5),
            ValueError,
            r"axes=\(0, 5\) is out of range .* \[-2, 1\]",
            sep,
        ),
        _option("sepconvolve", "workers", 0, ValueError, "workers must be a positive .*got 0", sep),
        _option(
            "sepconvolve",
            "backend",
            "fftw",
            ValueError,
            "backend must be " + _listing(*BACKEND_NAMES) + "; got 'fftw'",
            sep,
        ),
        # choose_method
        _option(
            "choose_method",
            "kind",
            "conv",
            ValueError,
            "kind must be " + _listing(*KINDS) + "; got 'conv'",
            chooser,
        ),
        _option(
            "choose_method",
            "backend",
            "fftw",
            ValueError,
            "backend must be " + _listing(*BACKEND_NAMES) + "; got 'fftw'",
            chooser,
        ),
        # Convolver (constructor errors beyond these: tests/test_convolver.py)
        _option(
            "Convolver",
            "kind",
            "conv",
            ValueError,
            "kind must be " + _listing(*KINDS) + "; got 'conv'",
            conv_,
        ),
        _option(
            "Convolver",
            "method",
            "fast",
            ValueError,
            "method must be " + _listing(*METHODS) + "; got 'fast'",
            conv_,
        ),
        _option(
            "Convolver",
            "backend",
            "fftw",
            ValueError,
            "backend must be " + _listing(*BACKEND_NAMES) + "; got 'fftw'",
            conv_,
        ),
        _option("Convolver", "workers", -99, ValueError, "workers must be .*got -99", conv_),
        _option(
            "Convolver",
            "dtype",
            "U3",
            TypeError,
            r"dtype must be bool, an integer, a float or a complex dtype; got <U3",
            conv_,
        ),
        _option(
            "Convolver",
            "boundary",
            "bogus",
            ValueError,
            r"boundary must be one of 'fill', 'wrap'.*got 'bogus'",
            conv_,
        ),
        # StreamConvolver
        _option(
            "StreamConvolver",
            "kind",
            "conv",
            ValueError,
            "kind must be " + _listing(*KINDS) + "; got 'conv'",
            stream,
        ),
        _option(
            "StreamConvolver",
            "mode",
            "bogus",
            ValueError,
            "mode must be " + _listing(*MODES) + "; got 'bogus'",
            stream,
        ),
        _option(
            "StreamConvolver",
            "block_size",
            1.5,
            TypeError,
            "block_size must be an integer; got 1.5",
            stream,
        ),
        _option(
            "StreamConvolver",
            "block_size",
            0,
            ValueError,
            "block_size must be at least 1; got 0",
            stream,
        ),
        _option(
            "StreamConvolver",
            "dtype",
            object,
            TypeError,
            "dtype must be bool, an integer, a float or a complex dtype; got object",
            stream,
        ),
        _option(
            "StreamConvolver", "axis", "0", TypeError, "axis must be an integer; got '0'", stream
        ),
        _option(
            "StreamConvolver",
            "boundary",
            "bogus",
            ValueError,
            r"boundary must be one of 'fill', 'wrap'.*got 'bogus'",
            stream,
        ),
        _option(
            "StreamConvolver",
            "boundary",
            "wrap",
            ValueError,
            r"boundary='wrap' \(periodic\) cannot stream in mode 'full'.*use ",
            stream,
        ),
        _option(
            "StreamConvolver",
            "fillvalue",
            "a",
            ValueError,
            r"fillvalue must be a numeric scalar; got 'a'",
            stream,
        ),
        # xcorr / autocorr / estimate_delay
        _option(
            "xcorr",
            "scale",
            "max",
            ValueError,
            "scale must be " + _listing(*SCALES) + "; got 'max'",
            xc,
        ),
        _option(
            "xcorr",
            "maxlag",
            -1,
            ValueError,
            "maxlag must be a non-negative integer or None; got -1",
            xc,
        ),
        _option(
            "xcorr",
            "maxlag",
            1.5,
            TypeError,
            "maxlag must be a non-negative integer or None; got 1.5",
            xc,
        ),
        _option("xcorr", "axis", 3, ValueError, r"axis=3 is out of range .* \[-1, 0\]", xc),
        _option(
            "autocorr",
            "scale",
            "max",
            ValueError,
            "scale must be " + _listing(*SCALES) + "; got 'max'",
            ac,
        ),
        _option(
            "autocorr", "demean", "yes", TypeError, "demean must be True or False; got 'yes'", ac
        ),
        _option(
            "estimate_delay",
            "method",
            "gcc",
            ValueError,
            "method must be " + _listing("cc", "phat") + "; got 'gcc'",
            delay,
        ),
        _option(
            "estimate_delay", "fs", 0, ValueError, "fs must be a finite number > 0; got 0", delay
        ),
        _option("estimate_delay", "fs", "1", TypeError, "fs must be a real number; got '1'", delay),
        _option(
            "estimate_delay",
            "max_delay",
            -1,
            ValueError,
            "max_delay must be a finite number >= 0; got -1",
            delay,
        ),
        _option(
            "estimate_delay",
            "interpolate",
            1,
            TypeError,
            "interpolate must be True or False; got 1",
            delay,
        ),
        # context managers and helpers
        _option(
            "set_backend",
            "name",
            "fftw",
            ValueError,
            "backend must be " + _listing(*BACKEND_NAMES) + "; got 'fftw'",
            lambda **kw: fc.set_backend(**kw).__enter__(),
        ),
        _option(
            "fftw_effort",
            "effort",
            "fast",
            ValueError,
            "effort must be " + _listing("estimate", "measure", "patient", "exhaustive"),
            lambda **kw: fc.fftw_effort(**kw).__enter__(),
        ),
        _option(
            "correlation_lags",
            "mode",
            "bogus",
            ValueError,
            "mode must be " + _listing(*MODES) + "; got 'bogus'",
            lambda **kw: fc.correlation_lags(5, 3, **kw),
        ),
        _option(
            "correlation_lags",
            "in1_len",
            0,
            ValueError,
            "in1_len must be at least 1; got 0",
            lambda **kw: fc.correlation_lags(in2_len=3, **kw),
        ),
        _option(
            "correlation_lags",
            "in1_len",
            3.5,
            TypeError,
            "in1_len must be an int; got 3.5",
            lambda **kw: fc.correlation_lags(in2_len=3, **kw),
        ),
        _option(
            "save_wisdom",
            "path",
            3,
            TypeError,
            "path must be a str or os.PathLike, or None; got 3",
            lambda **kw: fc.save_wisdom(**kw),
        ),
        _option(
            "convolve_file",
            "chunk_size",
            0,
            ValueError,
            "chunk_size must be at least 1; got 0",
            lambda **kw: fc.convolve_file("in.npy", K1, "out.npy", **kw),
        ),
    ]
    return rows


ROWS: list[Row] = _array_rows() + _option_rows()


def run(row: Row) -> tuple[Any, BaseException | None]:
    """Call `row`: (result, None) or (None, the exception)."""
    args, kwargs = row.args()
    try:
        return row.call(*args, **kwargs), None
    except Exception as exc:  # the table records what was raised
        return None, exc


def rst_table() -> str:
    """docs/errors.rst's table: one line per row, with the message each error has now."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 14 16 22 48", ""]
    cells = [("Function", "Bad input", "Given", "Gets")]
    for r in ROWS:
        got = r.describe()
        if isinstance(r.outcome, Raises):
            _, exc = run(r)
            got += f": {str(exc)}".replace("*", r"\*").replace("`", "'")
        cells.append((f"``{r.target}``", r.case.replace("*", r"\*"), r.given, got))
    for row in cells:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {c}" for c in row[1:])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # regenerate the table in docs/errors.rst
    import pathlib

    page = pathlib.Path(__file__).parents[1] / "docs" / "errors.rst"
    text = page.read_text()
    begin, end = ".. begin-table\n", ".. end-table\n"
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    page.write_text(head + begin + "\n" + rst_table() + "\n" + end + tail)
