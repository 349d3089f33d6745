"""Shared test configuration: a deterministic hypothesis profile."""

import pytest
from hypothesis import HealthCheck, settings

# Deterministic: the same examples on every run and every machine, no example database.
settings.register_profile(
    "fftconv",
    derandomize=True,
    max_examples=60,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fftconv")


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Never read or write the user's real calibration profile during the tests."""
    import os

    from fftconv import _profile

    old = os.environ.get("FFTCONV_CACHE_DIR")
    os.environ["FFTCONV_CACHE_DIR"] = str(tmp_path_factory.mktemp("fftconv-cache"))
    _profile.set_active(None)
    yield
    if old is None:
        os.environ.pop("FFTCONV_CACHE_DIR", None)
    else:
        os.environ["FFTCONV_CACHE_DIR"] = old
    _profile.set_active(None)
