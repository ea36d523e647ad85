"""When to poll again (pure): a short first interval that grows in proportion to the time waited.

The interval after `elapsed` seconds is `fraction * elapsed`, at least `first` and at most `cap`.
Records that start being served at time D are seen at most one interval later, so the time added
to D is under `fraction * D` (2 % by default): at most 0.2 s for D = 5 s, 0.6 s for D = 30 s,
about half that at the median. The number of polls grows only with the logarithm of the wait
(about 250 polls in 10 minutes), so a long propagation does not hammer the authoritative servers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    first: float = 0.2  # seconds: the shortest wait between two polls
    fraction: float = 0.02  # the wait, as a share of the time waited so far
    cap: float = 10.0  # seconds: the longest wait between two polls

    def interval(self, elapsed: float) -> float:
        return min(self.cap, max(self.first, self.fraction * elapsed))


DEFAULT = Schedule()
