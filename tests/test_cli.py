"""The ``fftconv`` command line, run for real (``python -m fftconv`` in a subprocess) on
real files of every supported format written in tmp_path.

Results are checked against the naive reference (tests/reference.py) within SPEC §4's
bound, or exactly where a format rounds (WAV PCM, 8/16-bit images); inputs are never
modified; every user error is exit status 2 with one line on stderr and no traceback.
Each run starts a Python process (about a second), so the cases are chosen, not swept.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from .reference import assert_matches, reference

PIL = pytest.importorskip("PIL.Image")
Image = PIL

COMMANDS = (
    "convolve",
    "correlate",
    "match",
    "xcorr",
    "delay",
    "demo",
    "bench",
    "calibrate",
    "info",
)


def _run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fftconv", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _user_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit status 2, exactly one line on stderr, naming what was wrong."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fftconv"), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def _digest(*paths: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


# --- help, version, info ----------------------------------------------------------------------


def _run_all(
    commands: list[tuple[str, ...]], cwd: Path | None = None
) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Run independent commands a few at a time (each mostly waits on its imports)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {args: pool.submit(_run, *args, cwd=cwd) for args in commands}
    return {args: future.result() for args, future in futures.items()}


@pytest.fixture(scope="module")
def help_runs() -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    return _run_all([(command, "--help") for command in COMMANDS])


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help_with_examples(
    help_runs: dict[tuple[str, ...], subprocess.CompletedProcess[str]], command: str
) -> None:
    out = _ok(help_runs[(command, "--help")])
    assert out.startswith(f"usage: fftconv {command}")
    examples = out.split("examples:", 1)[1]
    assert f"fftconv {command}" in examples


def test_top_level_help_lists_every_subcommand() -> None:
    out = _ok(_run("--help"))
    for command in COMMANDS:
        assert command in out


def test_info_reports_version_backend_threads_wisdom_profile_and_extras(tmp_path: Path) -> None:
    out = _ok(_run("info"))
    import fftconv as fc

    assert out.startswith(f"fftconv {fc.__version__}\n")
    assert f"FFT backend: {fc.get_backend()}" in out
    assert "threads: 1 FFT thread per call by default" in out
    cache = Path(os.environ["FFTCONV_CACHE_DIR"])  # tests/conftest.py's private directory
    assert str(cache / "fftw_wisdom.json") in out
    assert "calibration: built-in constants" in out and str(cache / "profile.json") in out
    for extra in ("plot", "image", "dask", "docs"):
        assert f"extra {extra}: installed" in out  # all are test dependencies


# --- convolve / correlate on every format -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mode", "method"),
    [
        ("convolve", "full", "auto"),
        ("convolve", "same", "fft"),
        ("correlate", "valid", "direct"),
        ("correlate", "full", "oa"),
    ],
)
def test_npy_matches_reference_and_leaves_inputs_alone(
    tmp_path: Path, rng: np.random.Generator, kind: str, mode: str, method: str
) -> None:
    x = rng.standard_normal(300)
    h = rng.standard_normal(17)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "h.npy", h)
    before = _digest(tmp_path / "x.npy", tmp_path / "h.npy")
    out = _ok(
        _run(
            kind,
            tmp_path / "x.npy",
            tmp_path / "h.npy",
            tmp_path / "y.npy",
            "--mode",
            mode,
            "--method",
            method,
        )
    )
    assert "wrote" in out
    got = np.load(tmp_path / "y.npy")
    assert_matches(got, reference(x, h, mode, kind=kind), x, h)
    assert _digest(tmp_path / "x.npy", tmp_path / "h.npy") == before


def test_npy_integers_stay_exact(tmp_path: Path, rng: np.random.Generator) -> None:
    x = rng.integers(-1000, 1000, (20, 30), dtype=np.int32)
    h = rng.integers(-50, 50, (4, 3), dtype=np.int32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "h.npy", h)
    _ok(_run("convolve", tmp_path / "x.npy", tmp_path / "h.npy", tmp_path / "y.npy"))
    got = np.load(tmp_path / "y.npy")
    assert_matches(got, reference(x, h), x, h)  # exact, int32


def test_one_dimensional_kernel_along_an_axis(tmp_path: Path, rng: np.random.Generator) -> None:
    x = rng.standard_normal((40, 3))  # 3 channels, time along axis 0
    h = rng.standard_normal(5)
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "h.csv", h, delimiter=",")  # one column: a 1-D kernel
    _ok(
        _run(
            "correlate",
            tmp_path / "x.npy",
            tmp_path / "h.csv",
            tmp_path / "y.npy",
            "--axis",
            "0",
            "--mode",
            "same",
        )
    )
    kernel = h[:, None]
    assert_matches(
        np.load(tmp_path / "y.npy"),
        reference(x, kernel, "same", kind="correlate", axes=0),
        x,
        kernel,
        axes=0,
    )


def test_stream_gives_the_in_memory_result(tmp_path: Path, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 5000))
    h = rng.standard_normal(33)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "h.npy", h)
    out = _ok(
        _run(
            "convolve",
            tmp_path / "x.npy",
            tmp_path / "h.npy",
            tmp_path / "y.npy",
            "--axis",
            "-1",
            "--mode",
            "same",
            "--stream",
        )
    )
    assert "(streamed)" in out
    kernel = h[None]
    assert_matches(
        np.load(tmp_path / "y.npy"),
        reference(x, kernel, "same", axes=-1),
        x,
        kernel,
        axes=-1,
    )


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("1,2,3\n4,5,6\n", ","),
        ("# a comment\n1\t2\t3\n4\t5\t6\n", "\t"),
        ("t;u;v\n1;2;3\n4;5;6\n", ";"),  # a header line is skipped
        ("1 2 3\n4  5 6\n", " "),
    ],
)
def test_text_input_delimiters_and_csv_round_trip(
    tmp_path: Path, text: str, delimiter: str
) -> None:
    (tmp_path / "x.txt").write_text(text)
    h = np.array([[0.1, -0.3], [1 / 3, 2.5]])
    np.save(tmp_path / "h.npy", h)
    _ok(_run("convolve", tmp_path / "x.txt", tmp_path / "h.npy", tmp_path / "y.csv"))
    got = np.loadtxt(tmp_path / "y.csv", delimiter=",")  # written with commas
    x = np.array([[1.0, 2, 3], [4, 5, 6]])
    expected = reference(x, h)
    assert_matches(got, expected, x, h)
    if delimiter == ",":  # once is enough (each run is a new process)
        # Round-trip precision: the text holds exactly the float64 the library returned.
        _ok(_run("convolve", tmp_path / "x.txt", tmp_path / "h.npy", tmp_path / "y.npy"))
        assert np.array_equal(got, np.load(tmp_path / "y.npy"))


def test_complex_text_round_trip(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("1+2j\n-0.5-1j\n3j\n")
    np.save(tmp_path / "h.npy", np.array([1.0, -1j]))
    _ok(_run("correlate", tmp_path / "x.csv", tmp_path / "h.npy", tmp_path / "y.txt"))
    got = np.loadtxt(tmp_path / "y.txt", dtype=complex)
    x, h = np.array([1 + 2j, -0.5 - 1j, 3j]), np.array([1.0, -1j])
    assert_matches(got, reference(x, h, kind="correlate"), x, h)


@pytest.mark.parametrize("channels", [1, 2])
def test_wav_pcm_keeps_rate_and_format_rounds_and_clips(
    tmp_path: Path, rng: np.random.Generator, channels: int
) -> None:
    shape = (2000,) if channels == 1 else (2000, channels)
    pcm = (rng.standard_normal(shape) * 4000).astype(np.int16)
    pcm[100] = 32767  # with a gain of 2 this sample clips
    wavfile.write(tmp_path / "x.wav", 8000, pcm)
    h = np.array([np.sqrt(3.0), 0.0, 0.0, -1 / np.pi])  # no exact .5 ties after scaling
    np.save(tmp_path / "h.npy", h)
    before = _digest(tmp_path / "x.wav")
    result = _run(
        "convolve", tmp_path / "x.wav", tmp_path / "h.npy", tmp_path / "y.wav", "--mode", "same"
    )
    _ok(result)
    assert "clipped" in result.stderr  # a warning, not an error
    rate, got = wavfile.read(tmp_path / "y.wav")
    assert rate == 8000 and got.dtype == np.int16 and got.shape == shape
    x = pcm / 32768.0
    kernel = h if channels == 1 else h[:, None]  # along the time axis, every channel
    ref = reference(x, kernel, "same", axes=0).astype(np.float64)
    expected = np.clip(np.rint(ref * 32768), -32768, 32767).astype(np.int16)
    assert np.array_equal(got, expected)
    assert _digest(tmp_path / "x.wav") == before


def test_float_wav_and_wav_kernel(tmp_path: Path, rng: np.random.Generator) -> None:
    x = (0.1 * rng.standard_normal(500)).astype(np.float32)
    ir = (rng.standard_normal(20) * 3000).astype(np.int16)  # an impulse response as PCM
    wavfile.write(tmp_path / "x.wav", 16000, x)
    wavfile.write(tmp_path / "ir.wav", 16000, ir)
    _ok(_run("convolve", tmp_path / "x.wav", tmp_path / "ir.wav", tmp_path / "y.wav"))
    rate, got = wavfile.read(tmp_path / "y.wav")
    assert rate == 16000 and got.dtype == np.float32
    xs, hs = x.astype(np.float64), ir / 32768.0
    assert_matches(got.astype(np.float64), reference(xs, hs), xs, hs, extra=1e-7 * 2)


def test_gray_png_and_16_bit_png(tmp_path: Path, rng: np.random.Generator) -> None:
    img8 = rng.integers(0, 256, (24, 30), dtype=np.uint8)
    img16 = rng.integers(0, 65536, (24, 30), dtype=np.uint16)
    Image.fromarray(img8).save(tmp_path / "a.png")
    Image.fromarray(img16).save(tmp_path / "b.png")
    # Not /16: dyadic weights make exact .5 ties that rounding may break either way.
    k = np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.3
    np.savetxt(tmp_path / "k.csv", k, delimiter=",")
    for name, img, dtype in (("a", img8, np.uint8), ("b", img16, np.uint16)):
        _ok(
            _run(
                "convolve",
                tmp_path / f"{name}.png",
                tmp_path / "k.csv",
                tmp_path / f"{name}-out.png",
                "--mode",
                "same",
            )
        )
        got = _pixels(tmp_path / f"{name}-out.png")
        ref = reference(img.astype(np.float64), k, "same").astype(np.float64)
        assert got.dtype == dtype
        assert np.array_equal(got, np.rint(ref).astype(dtype))


def test_colour_png_jpg_and_float_tif(tmp_path: Path, rng: np.random.Generator) -> None:
    # Smooth and nearly gray, so that JPEG's loss (worst on noise and on colour, which
    # it subsamples) stays small.
    rgb = _smooth_scene(rng, (20, 26))[..., None] + np.array([0.0, 25.0, -25.0])
    rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    k = np.full((3, 3), 1 / 9)
    np.save(tmp_path / "k.npy", k)
    # A 2-D kernel on a colour image runs along the two pixel axes of every channel.
    ref = reference(rgb.astype(np.float64), k[..., None], "same", axes=(0, 1)).astype(float)
    _ok(
        _run(
            "correlate",
            tmp_path / "c.png",
            tmp_path / "k.npy",
            tmp_path / "o.png",
            "--mode",
            "same",
        )
    )
    got = _pixels(tmp_path / "o.png")
    assert got.shape == rgb.shape and np.array_equal(got, np.rint(ref).astype(np.uint8))
    _ok(
        _run(
            "correlate",
            tmp_path / "c.png",
            tmp_path / "k.npy",
            tmp_path / "o.jpg",
            "--mode",
            "same",
        )
    )
    jpeg = _pixels(tmp_path / "o.jpg").astype(float)
    assert jpeg.shape == rgb.shape and np.mean(np.abs(jpeg - ref)) < 4  # lossy format
    # A gray TIFF from non-image data keeps every value as 32-bit float.
    x = rng.standard_normal((16, 18)) * 1000
    np.save(tmp_path / "x.npy", x)
    _ok(_run("convolve", tmp_path / "x.npy", tmp_path / "k.npy", tmp_path / "o.tif"))
    tif = _pixels(tmp_path / "o.tif")
    assert tif.dtype == np.float32 and tif.shape == (18, 20)
    assert_matches(tif, reference(x, k), x, k, dtype=np.float32)


# --- match, xcorr, delay -----------------------------------------------------------------------


def _smooth_scene(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return 128 + 60 * gaussian_filter(rng.standard_normal(shape), 2.0) / 0.14


def test_match_finds_the_template_and_writes_the_score_map(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    from skimage.feature import match_template

    scene = np.clip(_smooth_scene(rng, (60, 70)), 0, 255).astype(np.uint8)
    Image.fromarray(scene).save(tmp_path / "scene.png")
    template = scene[20:32, 33:43]
    np.save(tmp_path / "t.npy", template.astype(np.float64))
    out = _ok(
        _run(
            "match",
            tmp_path / "scene.png",
            tmp_path / "t.npy",
            "--top",
            "3",
            "--out",
            tmp_path / "scores.npy",
        )
    )
    lines = out.splitlines()
    assert lines[0] == "rank,row,col,score" and len(lines) == 4
    rank, row, col, score = lines[1].split(",")
    assert (rank, row, col) == ("1", "20", "33") and float(score) > 0.999999
    scores = [float(line.split(",")[3]) for line in lines[1:]]
    assert scores == sorted(scores, reverse=True)
    reference_map = match_template(scene.astype(np.float64), template.astype(np.float64))
    np.testing.assert_allclose(np.load(tmp_path / "scores.npy"), reference_map, atol=1e-6)
    _ok(_run("match", tmp_path / "scene.png", tmp_path / "t.npy", "--out", tmp_path / "scores.png"))
    assert _pixels(tmp_path / "scores.png").shape == reference_map.shape


def test_xcorr_csv_to_stdout_and_to_a_file(tmp_path: Path, rng: np.random.Generator) -> None:
    x = rng.standard_normal(50)
    y = rng.standard_normal(50)
    np.save(tmp_path / "x.npy", x)
    np.savetxt(tmp_path / "y.csv", y)
    out = _ok(_run("xcorr", tmp_path / "x.npy", tmp_path / "y.csv", "--maxlag", "5"))
    table = np.loadtxt(out.splitlines()[1:], delimiter=",")
    assert out.splitlines()[0] == "lag,value"
    assert np.array_equal(table[:, 0], np.arange(-5, 6))
    full = np.correlate(x, y, "full")  # lags -49..49, SPEC §1's convention
    np.testing.assert_allclose(table[:, 1], full[49 - 5 : 49 + 6], rtol=0, atol=1e-12)
    _ok(_run("xcorr", tmp_path / "x.npy", "--scale", "coeff", "--out", tmp_path / "acf.csv"))
    acf = np.loadtxt(tmp_path / "acf.csv", delimiter=",", skiprows=1)
    assert acf.shape == (99, 2) and acf[49, 0] == 0 and abs(acf[49, 1] - 1.0) < 1e-12


def test_xcorr_of_a_stereo_wav_has_one_column_per_channel(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    pcm = (rng.standard_normal((300, 2)) * 1000).astype(np.int16)
    wavfile.write(tmp_path / "s.wav", 8000, pcm)
    out = _ok(_run("xcorr", tmp_path / "s.wav", "--maxlag", "3"))
    assert out.splitlines()[0] == "lag,value_0,value_1"
    table = np.loadtxt(out.splitlines()[1:], delimiter=",")
    x = pcm / 32768.0
    for ch in range(2):
        full = np.correlate(x[:, ch], x[:, ch], "full")
        np.testing.assert_allclose(table[:, 1 + ch], full[299 - 3 : 299 + 4], atol=1e-12)


def test_delay_in_seconds_from_wav_rate_and_from_fs(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    source = _smooth_scene(rng, (1, 4000))[0] - 128
    y = source[100:3100]
    x = source[75:3075]  # x[n] = y[n - 25]: x lags y by 25 samples
    scale = 20000 / np.max(np.abs(source))
    wavfile.write(tmp_path / "x.wav", 1000, (x * scale).astype(np.int16))
    wavfile.write(tmp_path / "y.wav", 1000, (y * scale).astype(np.int16))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    for args in (
        ("x.wav", "y.wav"),
        ("x.npy", "y.npy", "--fs", "1000", "--method", "phat"),
        ("x.npy", "y.npy", "--fs", "1000", "--max-delay", "0.1"),
    ):
        out = _ok(_run("delay", *(tmp_path / a if a.endswith(("wav", "npy")) else a for a in args)))
        assert abs(float(out) - 0.025) < 0.05e-3, (args, out)  # within 0.05 samples
    out = _ok(_run("delay", tmp_path / "y.npy", tmp_path / "x.npy"))  # fs 1: samples
    assert abs(float(out) + 25) < 0.05


# --- bench and demo ---------------------------------------------------------------------------


def test_bench_quick_prints_tables_and_the_crossover_figure(tmp_path: Path) -> None:
    out = _ok(_run("bench", "--repeat", "1", "--plot", tmp_path / "cross.png"))
    assert "1-D, 100,000 samples" in out and "2-D, 256 x 256" in out
    assert out.count("crossover:") == 2
    assert "wrong results: 0" in out
    assert f"wrote the crossover figure to {tmp_path / 'cross.png'}" in out
    with Image.open(tmp_path / "cross.png") as figure:
        assert figure.format == "PNG"


# --- user errors: one line on stderr, exit status 2 -------------------------------------------


@pytest.fixture(scope="module")
def error_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Inputs for the error cases: good ones, and files that are not what they claim."""
    directory = tmp_path_factory.mktemp("errors")
    rng = np.random.default_rng(7)
    np.save(directory / "x.npy", rng.standard_normal(100))
    np.save(directory / "h.npy", rng.standard_normal(5))
    np.save(directory / "m.npy", rng.standard_normal((10, 10)))
    np.save(directory / "cube.npy", rng.standard_normal((4, 4, 4)))
    np.savez(directory / "z.npz", a=np.ones(3))
    (directory / "bad.npy").write_bytes(b"not an npy file")
    (directory / "words.csv").write_text("1,2,three\n")
    (directory / "empty.csv").write_text("# nothing\n")
    (directory / "bad.png").write_bytes(b"\x89PNG not really")
    wavfile.write(directory / "a8k.wav", 8000, np.zeros(100, np.int16))
    wavfile.write(directory / "a16k.wav", 16000, np.zeros(100, np.int16))
    return directory


ERRORS = [
    (("convolve", "missing.npy", "h.npy", "y.npy"), ["IN", "missing.npy", "does not exist"]),
    (("convolve", "x.npy", "missing.csv", "y.npy"), ["KERNEL", "does not exist"]),
    (("convolve", "x.mat", "h.npy", "y.npy"), ["'.mat'", "accepted", ".npy"]),
    (("convolve", "x.npy", "h.npy", "y.xlsx"), ["OUT", "'.xlsx'"]),
    (("convolve", "x.npy", "h.npy", "nodir/y.npy"), ["directory", "does not exist"]),
    (("convolve", "x.npy", "h.npy", "y.npy", "--mode", "middle"), ["--mode", "'middle'"]),
    (("convolve", "x.npy", "h.npy", "y.npy", "--axis", "zero"), ["--axis", "'zero'"]),
    (("convolve", "x.npy", "h.npy", "y.npy", "--axis", "3"), ["axis"]),
    (("convolve", "x.npy", "m.npy", "y.npy"), ["dimensions"]),
    (("convolve", "m.npy", "h.npy", "y.npy"), ["KERNEL", "--axis"]),
    (("convolve", "x.npy", "h.npy", "y.npy", "--stream", "--method", "fft"), ["--stream"]),
    (("correlate", "z.npz", "h.npy", "y.npy"), ["npz"]),
    (("correlate", "bad.npy", "h.npy", "y.npy"), ["bad.npy", "not a readable .npy"]),
    (("correlate", "words.csv", "h.npy", "y.npy"), ["words.csv", "three"]),
    (("correlate", "empty.csv", "h.npy", "y.npy"), ["empty.csv", "no numbers"]),
    (("correlate", "bad.png", "h.npy", "y.npy"), ["bad.png", "not a readable image"]),
    (("convolve", "a8k.wav", "a16k.wav", "y.wav"), ["sample rates", "8000", "16000"]),
    (("convolve", "cube.npy", "cube.npy", "y.wav"), ["WAV", "(samples, channels)"]),
    (("convolve", "cube.npy", "cube.npy", "y.csv"), ["1-D or 2-D", ".npy"]),
    (("convolve", "x.npy", "h.npy", "y.csv", "--mode", "valid", "--axis", "0,1"), ["axes"]),
    (("match", "m.npy", "h.npy", "--top", "0"), ["--top", "positive integer"]),
    (("xcorr", "x.npy", "h.npy", "--scale", "loud"), ["--scale", "'loud'"]),
    (("xcorr", "x.npy", "--out", "lags.npy"), ["--out", ".csv"]),
    (("delay", "x.npy"), ["Y"]),
    (("nonsense",), ["invalid choice", "'nonsense'"]),
]


@pytest.fixture(scope="module")
def error_runs(error_dir: Path) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    before = sorted(os.listdir(error_dir))
    runs = _run_all([args for args, _ in ERRORS], cwd=error_dir)
    assert sorted(os.listdir(error_dir)) == before  # no output, not even a partial one
    return runs


@pytest.mark.parametrize(("args", "words"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_user_errors_are_one_line_and_exit_2(
    error_runs: dict[tuple[str, ...], subprocess.CompletedProcess[str]],
    args: tuple[str, ...],
    words: list[str],
) -> None:
    _user_error(error_runs[args], *words)


def test_a_library_value_error_is_one_line(error_dir: Path) -> None:
    line = _user_error(
        _run("convolve", "x.npy", "h.npy", "y.npy", "--boundary", "reflect", cwd=error_dir)
    )
    assert "reflect" in line and "boundary" in line


def test_missing_pillow_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    """A Python where `import PIL` fails (sys.modules entry None) gets the install hint."""
    np.save(tmp_path / "h.npy", np.ones((3, 3)))
    code = (
        "import sys; sys.modules['PIL'] = None; sys.modules['PIL.Image'] = None\n"
        "from fftconv.__main__ import main\n"
        "sys.exit(main(['convolve', 'photo.png', 'h.npy', 'out.png']))"
    )
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "photo.png")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    _user_error(result, "Pillow", "pip install 'fftconv[image]'")


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("fftconv")
    if not script.exists():
        pytest.skip("fftconv is not installed as a console script in this environment")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("fftconv ")
