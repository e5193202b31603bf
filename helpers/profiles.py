"""Run profiles: how big the experiments of a chapter are.

A chapter states its settings for both profiles side by side, e.g.
``profile.pick(quick=6, full=18)``, so a reader sees exactly where the
quick run is scaled down.  The profile is chosen by the environment
variable ``COURSE_PROFILE``; ``setup`` (in ``helpers.runtime``) reads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

PROFILE_VARIABLE = "COURSE_PROFILE"
DEFAULT_PROFILE = "full"

PROFILES: dict[str, str] = {
    "quick": "small subsets and few epochs; what the tests run, minutes for the whole book",
    "full": "the settings the published book uses, as close to the source as a 2-core CPU allows",
}

T = TypeVar("T")


class ProfileError(ValueError):
    """Raised for a profile name that is not one of ``PROFILES``."""


@dataclass(frozen=True)
class Profile:
    """The run profile of a chapter.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        description: one line saying what the profile is for.
    """

    name: str
    description: str

    @property
    def is_quick(self) -> bool:
        return self.name == "quick"

    def pick(self, *, quick: T, full: T) -> T:
        """Return the setting that belongs to this profile."""
        return quick if self.is_quick else full


def get_profile(name: str | None = None) -> Profile:
    """Return the profile called ``name``, or the one ``COURSE_PROFILE`` names.

    Args:
        name: a profile name; ``None`` reads ``COURSE_PROFILE`` and falls back
            to ``"full"`` when the variable is unset or empty.

    Raises:
        ProfileError: for a name that is not a known profile; the message
            lists the valid names.
    """
    source = "argument"
    if name is None:
        name = os.environ.get(PROFILE_VARIABLE, "").strip() or DEFAULT_PROFILE
        source = f"environment variable {PROFILE_VARIABLE}"
    key = name.strip().lower()
    if key not in PROFILES:
        valid = ", ".join(f"'{p}'" for p in PROFILES)
        raise ProfileError(
            f"Unknown run profile '{name}' (from the {source}). "
            f"Valid profiles are {valid}: for example "
            f"`export {PROFILE_VARIABLE}=quick` before starting Jupyter, "
            f"or `helpers.setup(profile='quick')`."
        )
    return Profile(key, PROFILES[key])
