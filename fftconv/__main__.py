"""The ``fftconv`` command line: parses, calls the public API, prints.

File formats live in `fftconv._io`, the benchmark in `fftconv._bench`, the tour in
`fftconv._demo`. A user error (a missing file, an unknown extension, a bad option value,
a `ValueError` or `TypeError` from the library) is one line on stderr and exit status 2,
never a traceback; success is 0. ``FFTCONV_DEBUG=1`` re-raises instead, for bug reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__, _io

# An .npy input at least this large is streamed through `convolve_file` (constant memory,
# a progress bar on a terminal) when the call allows it; smaller ones are computed in
# memory, which is faster (one transform instead of a stream of blocks).
STREAM_BYTES = 256 * 2**20


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (with where to find help), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add(
    commands: Any, name: str, summary: str, description: str, examples: Sequence[str]
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 79),  # the raw formatter keeps the examples
        epilog="examples:\n" + "\n".join(f"  {e}" for e in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


FORMATS_HELP = (
    "Files are read and written by extension: .npy (any array, memory-mapped), .csv/.txt "
    "(1-D or 2-D numbers), .wav (samples scaled to [-1, 1), written back in the input's "
    "sample format, rounded and clipped), .png/.jpg/.tif (pixel values; needs the 'image' "
    "extra; written in the input's bit depth, rounded and clipped; a gray .tif from other "
    "data is 32-bit float)."
)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fftconv",
        description="Fast convolution and correlation of NumPy arrays, files, sounds and images.",
        epilog="examples:\n  fftconv demo\n  fftconv convolve photo.png blur.csv out.png "
        "--mode same\n  fftconv delay mic1.wav mic2.wav\n  fftconv COMMAND --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fftconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    for kind, formula in (
        ("convolve", "out[n] = sum_m in[m] kernel[n - m]"),
        ("correlate", "out[k] = sum_n in[n + k] conj(kernel[n])"),
    ):
        p = _add(
            commands,
            kind,
            f"{kind} a file with a kernel file, into another file",
            f"{kind.capitalize()} IN with KERNEL ({formula}) and write OUT. "
            + FORMATS_HELP
            + " A KERNEL with fewer dimensions than IN applies to every channel: along --axis,"
            " or by default along a WAV's time axis or a colour image's two pixel axes. An .npy"
            f" IN over {STREAM_BYTES >> 20} MiB written to .npy along one axis is streamed in "
            "constant memory (progress bar on a terminal); --stream forces it.",
            [
                f"fftconv {kind} signal.npy kernel.npy out.npy --mode same",
                f"fftconv {kind} photo.png kernel.csv out.png --mode same --boundary symm",
                f"fftconv {kind} speech.wav room.wav wet.wav",
                f"fftconv {kind} big.npy taps.csv out.npy --axis 0 --stream",
            ],
        )
        p.add_argument("input", metavar="IN", help="the signal or image")
        p.add_argument("kernel", metavar="KERNEL", help="the kernel (filter)")
        p.add_argument("output", metavar="OUT", help="where to write the result")
        p.add_argument(
            "--mode",
            choices=("full", "same", "valid"),
            default="full",
            help="full: every overlap (default); same: the shape of IN; valid: full overlaps",
        )
        p.add_argument(
            "--method",
            choices=("auto", "direct", "fft", "oa"),
            default="auto",
            help="auto (default: the fastest by the cost model), direct, fft or oa (overlap-add)",
        )
        p.add_argument(
            "--boundary",
            metavar="NAME",
            help="how IN is extended past its edges: fill (zeros, default), wrap, symm, "
            "mirror, edge (and scipy's names)",
        )
        p.add_argument("--fillvalue", type=float, metavar="X", help="the value of --boundary fill")
        p.add_argument(
            "--nan-policy",
            choices=("propagate", "raise", "omit"),
            help="NaNs: propagate (default), raise, or omit (normalised convolution)",
        )
        p.add_argument(
            "--axis",
            metavar="AXES",
            help="the axis or comma-separated axes to work along, e.g. 0 or 0,1 "
            "(default: all axes; see above)",
        )
        p.add_argument(
            "--stream",
            action="store_true",
            help="stream IN through fftconv.convolve_file (.npy to .npy, one axis, method "
            "auto, no --boundary/--fillvalue/--nan-policy)",
        )

    p = _add(
        commands,
        "match",
        "find a template in an image (normalised cross-correlation)",
        "Zero-normalised cross-correlation of TEMPLATE over IMAGE (fftconv.match_template, "
        "scikit-image's semantics; colour images are matched on their luminance). Prints "
        "the best --top matches as CSV: rank, position (the template's top-left corner; its "
        "centre with --pad-input) and score in [-1, 1]. A match closer than half a template "
        "to a better one is not listed. --out writes the score map (.png/.jpg scaled from "
        "[-1, 1] to 0-255; .npy, .csv, .tif keep the scores). " + FORMATS_HELP,
        [
            "fftconv match scene.png logo.png --top 3",
            "fftconv match scene.npy patch.npy --out scores.npy --pad-input",
        ],
    )
    p.add_argument("image", metavar="IMAGE", help="the image searched")
    p.add_argument("template", metavar="TEMPLATE", help="the patch to find")
    p.add_argument(
        "--top", type=_positive_int, default=5, metavar="K", help="matches to list (default 5)"
    )
    p.add_argument("--out", metavar="FILE", help="write the score map to FILE")
    p.add_argument(
        "--pad-input",
        action="store_true",
        help="score every position of IMAGE (the map has IMAGE's shape; positions are "
        "template centres)",
    )

    p = _add(
        commands,
        "xcorr",
        "cross- or autocorrelation with its lags, as CSV",
        "Cross-correlation of X with Y (the autocorrelation of X without Y) by fftconv.xcorr:"
        " c[k] = sum_n x[n + k] conj(y[n]), MATLAB's xcorr convention. Prints CSV: a 'lag' "
        "column (in samples) and one value column per channel. " + FORMATS_HELP,
        [
            "fftconv xcorr a.csv b.csv --maxlag 50",
            "fftconv xcorr series.npy --scale coeff --maxlag 100 --out acf.csv",
        ],
    )
    p.add_argument("x", metavar="X", help="the first series")
    p.add_argument("y", metavar="Y", nargs="?", help="the second series (default: X itself)")
    p.add_argument("--maxlag", type=int, metavar="N", help="keep lags -N..N (default: all)")
    p.add_argument(
        "--scale",
        choices=("none", "biased", "unbiased", "coeff", "normalized"),
        default="none",
        help="none (default), biased (/N), unbiased (/(N-|lag|)), coeff or normalized "
        "(1 at lag 0 of an autocorrelation)",
    )
    p.add_argument(
        "--axis",
        type=int,
        metavar="AXIS",
        help="the time axis (default: 0 for WAV files, else the last)",
    )
    p.add_argument("--out", metavar="FILE", help="write the CSV to FILE (.csv or .txt)")

    p = _add(
        commands,
        "delay",
        "the delay between two recordings, in seconds",
        "Estimates the delay in seconds by which X lags Y (positive when X is a delayed copy "
        "of Y) by fftconv.estimate_delay, with sub-sample refinement; prints one number per "
        "channel. " + FORMATS_HELP,
        [
            "fftconv delay mic1.wav mic2.wav",
            "fftconv delay x.csv y.csv --fs 1000 --method phat --max-delay 0.05",
        ],
    )
    p.add_argument("x", metavar="X", help="the recording that lags (for a positive delay)")
    p.add_argument("y", metavar="Y", help="the reference recording")
    p.add_argument(
        "--fs", type=float, metavar="HZ", help="sample rate (default: the WAV's, else 1)"
    )
    p.add_argument(
        "--method",
        choices=("cc", "phat"),
        default="cc",
        help="cc: plain cross-correlation (default); phat: GCC-PHAT, robust to echoes",
    )
    p.add_argument(
        "--max-delay", type=float, metavar="SECONDS", help="search only delays up to this"
    )
    p.add_argument(
        "--axis",
        type=int,
        metavar="AXIS",
        help="the time axis (default: 0 for WAV files, else the last)",
    )

    p = _add(
        commands,
        "demo",
        "a short tour on built-in data",
        "A short tour of fftconv on built-in data (no files needed, no network): convolution "
        "versus correlation, a delay estimate, a template match, the method auto picks and "
        "FFT-versus-direct agreement. Writes one PNG figure when matplotlib (the 'plot' "
        "extra) is installed.",
        ["fftconv demo", "fftconv demo --out /tmp/tour.png", "fftconv demo --no-plot"],
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        default="fftconv-demo.png",
        help="where to write the figure (default: fftconv-demo.png in the current directory)",
    )
    p.add_argument("--no-plot", action="store_true", help="write no figure")

    p = _add(
        commands,
        "bench",
        "time direct, FFT and auto against kernel size on this machine",
        "Times fftconv.convolve with each method, method='auto' and scipy.signal.convolve "
        "for a range of kernel sizes, and prints where the FFT methods overtake the direct "
        "sum. The quick grid takes seconds, --full minutes; benchmarks/bench_convolve.py in "
        "the source tree is the thorough benchmark.",
        ["fftconv bench", "fftconv bench --plot crossover.png", "fftconv bench --full"],
    )
    p.add_argument("--full", action="store_true", help="the long grid (larger signals)")
    p.add_argument(
        "--plot", metavar="FILE", help="write a crossover figure (PNG; needs the 'plot' extra)"
    )
    p.add_argument(
        "--repeat", type=_positive_int, metavar="N", help="timed calls per case (default 5)"
    )

    _add(
        commands,
        "calibrate",
        "measure this machine for method='auto' (about 30 s) and save the profile",
        "Times the direct engines and the FFT backends on a small grid and saves the "
        "constants as a profile in $FFTCONV_CACHE_DIR (default: the user cache directory), "
        "which method='auto' then uses in every process on this machine.",
        ["fftconv calibrate", "FFTCONV_CACHE_DIR=/tmp/prof fftconv calibrate"],
    )
    _add(
        commands,
        "info",
        "version, FFT backend, threads, wisdom, calibration and optional extras",
        "Prints what fftconv runs with here: versions, the FFT backend, threads, the FFTW "
        "wisdom and calibration profile files, and which optional extras are installed.",
        ["fftconv info"],
    )
    return parser


# --- commands -------------------------------------------------------------------------------


def _fit_kernel(kernel: np.ndarray, ndim: int, axes: tuple[int, ...] | None) -> np.ndarray:
    """A kernel with fewer dimensions than the input, placed along `axes` (its other axes
    of length 1, so it applies to every channel)."""
    if kernel.ndim >= ndim:
        return kernel
    if axes is None:
        raise ValueError(
            f"KERNEL has {kernel.ndim} dimension(s) and IN has {ndim}: name the axes the "
            f"kernel runs along with --axis (e.g. --axis {ndim - 1})"
        )
    if len(axes) != kernel.ndim:
        raise ValueError(
            f"KERNEL has {kernel.ndim} dimension(s) but --axis names {len(axes)} axes {axes}"
        )
    normal = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"--axis {a} is out of range for IN with {ndim} dimension(s)")
        normal.append(a % ndim)
    order = np.argsort(normal)  # the kernel's axes in the order of IN's axes
    placed = np.transpose(kernel, order) if kernel.ndim > 1 else kernel
    return np.expand_dims(placed, [a for a in range(ndim) if a not in normal])


def _check_rates(*data: _io.Data) -> int | None:
    rates = {d.rate for d in data if d.rate is not None}
    if len(rates) > 1:
        names = ", ".join(f"{str(d.path)!r} {d.rate} Hz" for d in data if d.rate is not None)
        raise ValueError(f"the WAV files have different sample rates ({names}); resample one")
    return rates.pop() if rates else None


def _report(written: _io.Written, result: np.ndarray, what: str) -> None:
    note = written.note()
    if note is not None:
        print(f"fftconv: warning: {note}", file=sys.stderr)
    print(f"wrote {written.path}: {what} of shape {result.shape}, {result.dtype}")


def _cmd_convolve(args: argparse.Namespace) -> int:
    import fftconv as fc

    kind = args.command
    src = _io.read(args.input, "IN")
    kernel = _io.read(args.kernel, "KERNEL")
    out_format = _io.format_of(args.output, "OUT")  # before any work
    _check_rates(src, kernel)
    axes = _io.parse_axes(args.axis) if args.axis is not None else src.time_axes
    # Options the library grew later are passed only when given.
    options = {
        name: value
        for name, value in (
            ("boundary", args.boundary),
            ("fillvalue", args.fillvalue),
            ("nan_policy", args.nan_policy),
        )
        if value is not None
    }
    stream_axis = _stream_axis(src, kernel, out_format, axes, args.method, options)
    if args.stream and stream_axis is None:
        raise ValueError(
            "--stream needs IN and OUT to be .npy files, a 1-D kernel or one with IN's "
            "dimensions, one axis (--axis, or a 1-D IN), --method auto, and no --boundary, "
            "--fillvalue or --nan-policy"
        )
    if stream_axis is not None and (args.stream or src.array.nbytes >= STREAM_BYTES):
        path = fc.convolve_file(
            args.input, kernel.array, args.output, kind=kind, mode=args.mode, axis=stream_axis
        )
        result = np.load(path, mmap_mode="r")
        print(f"wrote {path}: {kind} result of shape {result.shape}, {result.dtype} (streamed)")
        return 0
    h = _fit_kernel(kernel.array, src.array.ndim, axes)
    operation = fc.convolve if kind == "convolve" else fc.correlate
    result = operation(src.array, h, args.mode, args.method, axes=axes, **options)
    _report(_io.write(args.output, result, like=src), result, f"{kind} result")
    return 0


def _stream_axis(
    src: _io.Data,
    kernel: _io.Data,
    out_format: str,
    axes: tuple[int, ...] | None,
    method: str,
    options: dict[str, object],
) -> int | None:
    """The axis to stream along with `convolve_file`, or None if this call cannot be."""
    if src.format != "npy" or out_format != "npy" or method != "auto" or options:
        return None
    if kernel.array.ndim not in (1, src.array.ndim):
        return None
    if axes is None:
        return -1 if src.array.ndim == 1 else None
    return axes[0] if len(axes) == 1 else None


def _luminance(data: _io.Data) -> np.ndarray:
    """A colour image's luminance (ITU-R 601, as Pillow's convert('L')); else the array."""
    a = data.array
    if data.format == "image" and a.ndim == 3:
        if a.shape[-1] in (3, 4):
            return np.asarray(a[..., :3] @ np.array([0.299, 0.587, 0.114]))
        return np.asarray(a[..., 0])  # gray with alpha
    return np.asarray(a)


def _best_matches(
    scores: np.ndarray, k: int, template_shape: tuple[int, ...]
) -> list[tuple[tuple[int, ...], float]]:
    """The `k` highest scores, each at least half a template (in some axis) from every
    better one: greedy non-maximum suppression."""
    work = np.where(np.isnan(scores), -np.inf, scores)
    radius = [max(1, t // 2) for t in template_shape]
    found: list[tuple[tuple[int, ...], float]] = []
    while len(found) < k:
        flat = int(np.argmax(work))
        value = float(work.flat[flat])
        if value == -np.inf:
            break
        index = tuple(int(i) for i in np.unravel_index(flat, work.shape))
        found.append((index, value))
        window = tuple(slice(max(0, i - r + 1), i + r) for i, r in zip(index, radius, strict=True))
        work[window] = -np.inf
    return found


def _cmd_match(args: argparse.Namespace) -> int:
    import fftconv as fc

    image = _luminance(_io.read(args.image, "IMAGE"))
    template = _luminance(_io.read(args.template, "TEMPLATE"))
    out_format = _io.format_of(args.out, "--out") if args.out is not None else None
    scores = np.asarray(fc.match_template(image, template, pad_input=args.pad_input))
    names = {2: ["row", "col"], 3: ["plane", "row", "col"]}.get(
        scores.ndim, [f"axis{i}" for i in range(scores.ndim)]
    )
    print(",".join(["rank", *names, "score"]))
    for rank, (index, value) in enumerate(_best_matches(scores, args.top, template.shape), start=1):
        print(",".join([str(rank), *map(str, index), f"{value:.6f}"]))
    if args.out is not None:
        suffix = Path(args.out).suffix.lower()
        saved = scores
        if out_format == "image" and suffix in (".png", ".jpg", ".jpeg"):
            saved = (np.clip(scores, -1.0, 1.0) + 1.0) * 127.5  # [-1, 1] -> 0..255
        written = _io.write(args.out, saved)
        note = written.note()
        if note is not None:
            print(f"fftconv: warning: {note}", file=sys.stderr)
        print(f"wrote the score map to {written.path}", file=sys.stderr)
    return 0


def _time_axis(data: _io.Data, axis: int | None) -> int:
    if axis is not None:
        return axis
    return 0 if data.format == "wav" else -1


def _cmd_xcorr(args: argparse.Namespace) -> int:
    import fftconv as fc

    x = _io.read(args.x, "X")
    y = _io.read(args.y, "Y") if args.y is not None else None
    if args.out is not None and _io.format_of(args.out, "--out") != "text":
        raise ValueError(f"--out {args.out!r} must be a .csv or .txt file (xcorr writes CSV)")
    _check_rates(x, *([y] if y is not None else []))
    axis = _time_axis(x, args.axis)
    lags, c = fc.xcorr(
        x.array, None if y is None else y.array, maxlag=args.maxlag, scale=args.scale, axis=axis
    )
    lags = np.asarray(lags)
    columns = np.moveaxis(np.asarray(c), axis, -1).reshape(-1, lags.size)
    header = (
        ["lag", "value"]
        if columns.shape[0] == 1
        else ["lag", *(f"value_{i}" for i in range(columns.shape[0]))]
    )
    lines = [",".join(header)]
    cells = [_format_column(column) for column in columns]
    lines += [
        ",".join([str(lag), *row])
        for lag, row in zip(lags.tolist(), zip(*cells, strict=True), strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {lags.size} lags x {columns.shape[0]} channel(s)")
    return 0


def _format_column(values: np.ndarray) -> list[str]:
    """Shortest round-trip text of each value (``1.5-2j`` for complex numbers)."""
    return [str(v).strip("()") for v in values]


def _cmd_delay(args: argparse.Namespace) -> int:
    import fftconv as fc

    x = _io.read(args.x, "X")
    y = _io.read(args.y, "Y")
    rate = _check_rates(x, y)
    fs = args.fs if args.fs is not None else (float(rate) if rate is not None else 1.0)
    delay = fc.estimate_delay(
        x.array,
        y.array,
        fs=fs,
        method=args.method,
        max_delay=args.max_delay,
        axis=_time_axis(x, args.axis),
    )
    for value in np.atleast_1d(np.asarray(delay)).ravel():
        print(f"{float(value):.9g}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(figure=None if args.no_plot else Path(args.out))


def _cmd_bench(args: argparse.Namespace) -> int:
    from ._bench import run

    return run(
        full=args.full,
        repeat=args.repeat,
        plot=Path(args.plot) if args.plot is not None else None,
    )


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from ._calibrate import calibrate

    print("measuring (about 30 s)...", flush=True)
    constants = calibrate()
    print(f"saved the calibration profile to {constants.source}")
    return 0


EXTRAS = {
    "plot": ("matplotlib",),
    "image": ("pillow",),
    "dask": ("dask", "distributed"),
    "docs": ("sphinx", "numpydoc", "matplotlib"),
}


def _version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _cmd_info(args: argparse.Namespace) -> int:
    import platform

    import scipy

    from . import _method, _profile, _wisdom
    from ._backends import get_backend

    print(f"fftconv {__version__}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
        f", pyfftw {_version('pyfftw') or 'not installed'}"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backend = get_backend()  # warns when pyfftw cannot be imported
        constants = _profile.active()  # warns when the saved profile is not used
    print(f"FFT backend: {backend} (choose with fftconv.set_backend)")
    print(
        f"threads: {_method.resolve_workers(None)} FFT thread per call by default "
        f"(workers=None; workers=-1 uses all {os.cpu_count()} cores)"
    )
    wisdom = _profile.cache_dir() / _wisdom.WISDOM_NAME
    print(
        "FFTW wisdom: "
        + (
            f"saved at {wisdom} (loaded only when a program calls fftconv.load_wisdom())"
            if wisdom.exists()
            else f"none saved (fftconv.save_wisdom() writes {wisdom}); plans use FFTW_ESTIMATE"
        )
    )
    profile = _profile.cache_dir() / _profile.PROFILE_NAME
    if constants.source == "built-in":
        state = "ignored, see below" if profile.exists() else "none saved"
        print(
            f"calibration: built-in constants (profile {profile}: {state}; "
            "'fftconv calibrate' measures this machine)"
        )
    else:
        print(f"calibration: the profile {constants.source}")
    for extra, distributions in EXTRAS.items():
        versions = [(d, _version(d)) for d in distributions]
        status = (
            "installed (" + ", ".join(f"{d} {v}" for d, v in versions) + ")"
            if all(v is not None for _, v in versions)
            else "not installed (pip install 'fftconv[" + extra + "]')"
        )
        print(f"extra {extra}: {status}")
    for w in caught:
        print(f"note: {' '.join(str(w.message).split())}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "convolve": _cmd_convolve,
    "correlate": _cmd_convolve,
    "match": _cmd_match,
    "xcorr": _cmd_xcorr,
    "delay": _cmd_delay,
    "demo": _cmd_demo,
    "bench": _cmd_bench,
    "calibrate": _cmd_calibrate,
    "info": _cmd_info,
}

# What a user can cause with bad input (MemoryError: the library says how many bytes a call
# needs before allocating them): reported in one line, exit status 2.
USER_ERRORS = (ValueError, TypeError, OverflowError, MemoryError, OSError, _io.MissingExtra)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fftconv`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        if os.environ.get("FFTCONV_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"fftconv {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"fftconv {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
