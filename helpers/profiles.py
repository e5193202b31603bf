"""Run profiles: how big the experiments of a chapter are.

A chapter states its settings for both profiles side by side, e.g.
``profile.pick(quick=6, full=18)``, so a reader sees exactly where the
quick run is scaled down.  The profile is chosen by the environment
variable ``COURSE_PROFILE``; ``setup`` (in ``helpers.runtime``) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from . import settings

PROFILE_VARIABLE = settings.PROFILE
DEFAULT_PROFILE = "full"

PROFILES: dict[str, str] = {
    "quick": "small subsets and few epochs; what the tests run, minutes for the whole book",
    "full": "the settings the published book uses, as close to the source as a 2-core CPU allows",
}

# How many seeds each comparison runs: enough to see the spread, judged by
# ``helpers.check_effect``; the quick profile keeps the tests fast.
SEEDS_PER_PROFILE = {"quick": 2, "full": 3}

T = TypeVar("T")


class ProfileError(ValueError):
    """Raised for a profile name that is not one of ``PROFILES``."""


@dataclass(frozen=True)
class Profile:
    """The run profile of a chapter.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        description: one line saying what the profile is for.
        base_seed: the seed ``helpers.setup`` was given.
    """

    name: str
    description: str
    base_seed: int = 0

    @property
    def seeds(self) -> list[int]:
        """The seeds every comparison of a chapter runs: 2 in ``quick``, 3 in ``full``, from the base seed on."""
        return list(range(self.base_seed, self.base_seed + SEEDS_PER_PROFILE[self.name]))

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
        name = settings.read(PROFILE_VARIABLE) or DEFAULT_PROFILE
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
