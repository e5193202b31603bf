"""What one Python session of the course remembers between calls.

A chapter is one session: ``helpers.setup`` sets its seed, a sweep shows its
progress bar, every ``check_conclusion`` and every exercise check is kept.
All of it lives in the one object ``SESSION``; ``SESSION.reset()`` forgets it
(the tests do that around every test).  No module keeps state of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    """The state of one course session.

    Attributes:
        seed: the seed of the last ``helpers.setup`` call (0 before any).
        bars: the progress bars of the sweeps in progress, innermost last.
        checks: every ``Check`` that ``check_conclusion`` made, in order.
        verdicts: every ``Verdict`` an exercise check gave, in order.
        run: the facts of the last ``helpers.setup`` call (profile, seed, versions, backend).
        runs: every finished training run's settings signature and training losses
            (``helpers.curves``: how a plotted curve finds the book's band).
    """

    seed: int = 0
    bars: list[Any] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    runs: list[Any] = field(default_factory=list)

    def reset(self) -> None:
        """Forget everything, as a fresh kernel would."""
        fresh = Session()
        self.seed = fresh.seed
        self.run = fresh.run
        # Lists are cleared in place: a long-lived reference to them stays valid.
        for name in ("bars", "checks", "verdicts", "runs"):
            getattr(self, name).clear()


SESSION = Session()
