"""Shared test configuration: a deterministic hypothesis profile."""

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
