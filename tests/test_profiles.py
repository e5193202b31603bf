"""Run profiles: names, the environment variable, clear errors."""

from __future__ import annotations

import helpers
from helpers import ProfileError, get_profile

import pytest


def test_known_profiles_and_pick():
    quick, full = get_profile("quick"), get_profile("FULL ")
    assert (quick.name, full.name) == ("quick", "full")
    assert quick.pick(quick=1, full=2) == 1 and full.pick(quick=1, full=2) == 2


def test_environment_variable_and_default(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert get_profile().name == "quick"
    monkeypatch.delenv("COURSE_PROFILE")
    assert get_profile().name == "full"


def test_unknown_profile_lists_valid_names(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ProfileError) as info:
        get_profile()
    message = str(info.value)
    assert "'fast'" in message and "'quick'" in message and "'full'" in message
    assert "COURSE_PROFILE" in message


def test_setup_rejects_bad_input(monkeypatch):
    with pytest.raises(ProfileError):
        helpers.setup(seed=0, profile="medium")
    with pytest.raises(ValueError, match="seed must be"):
        helpers.setup(seed=-1)
    monkeypatch.setenv("COURSE_PROGRESS", "loud")
    with pytest.raises(ValueError, match="COURSE_PROGRESS"):
        helpers.setup(seed=0, profile="quick")
