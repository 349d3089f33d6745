"""The ``fftconv`` command line: parses, calls the public API, prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fftconv",
        description="Fast convolution and correlation of NumPy arrays.",
        epilog="Example: fftconv demo",
    )
    parser.add_argument("--version", action="version", version=f"fftconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="a short tour on built-in data: convolution vs correlation, a time series, "
        "an image, the method auto picks and FFT-vs-direct agreement",
        description="Runs a short tour of fftconv on built-in data (no files, no network).",
        epilog="Example: fftconv demo",
    )
    commands.add_parser(
        "calibrate",
        help="measure this machine for method='auto' (about 30 s) and save the profile",
        description="Times the direct engines and the FFT backends on a small grid and saves "
        "the constants as a profile in $FFTCONV_CACHE_DIR (default: the user cache "
        "directory), which method='auto' then uses in every process on this machine.",
        epilog="Example: fftconv calibrate",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fftconv`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo()
    if args.command == "calibrate":
        from ._calibrate import calibrate

        print("measuring (about 30 s)...", flush=True)
        constants = calibrate()
        print(f"saved the calibration profile to {constants.source}")
        return 0
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
