"""Hypothesis profiles for the whole suite, chosen with HYPOTHESIS_PROFILE.

- "ci" (the default, what `make test` and CI run): every property test draws the same
  examples on every run, so a run passes or fails by what the code does, never by which
  examples chance picked; each test runs as many examples as it asks for with `examples(n)`.
- "dev": the same, with a tenth of the examples, for a quick local pass.
- "explore": new random examples on every run and ten times as many, to look for bugs; a
  failure it finds becomes an explicit @example in the test.
"""
from __future__ import annotations

import os

from hypothesis import settings

SCALE = {"ci": 1.0, "dev": 0.1, "explore": 10.0}


def register_and_load_profiles() -> None:
    settings.register_profile("ci", derandomize=True, database=None, deadline=None)
    settings.register_profile("dev", derandomize=True, database=None, deadline=None)
    settings.register_profile("explore", derandomize=False, database=None, deadline=None)
    settings.load_profile(profile_name())


def profile_name() -> str:
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if name not in SCALE:
        raise ValueError(f"HYPOTHESIS_PROFILE={name!r}: choose one of {', '.join(SCALE)}")
    return name


def examples(wanted: int) -> int:
    """How many examples a property test that wants `wanted` of them runs in this profile."""
    return max(3, round(wanted * SCALE[profile_name()]))
