"""Evidence a rule gives about one file, and the one function that folds it into a verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

ROLES = ("train", "eval", "infer", "data", "other")
MIN_ROLE_VOTE = 1.0  # weaker votes (one incidental metric, one DataLoader) give no role


@dataclass(frozen=True)
class Evidence:
    """What one rule concluded about one file.

    ``weight`` moves the file's score (how likely a newcomer wants to run it),
    ``roles`` votes for what it does, ``runnable`` says it is meant to be run,
    ``veto`` says it is not an entry point at all (and why, in ``reason``).
    """

    rule: str
    reason: str
    weight: float = 0.0
    roles: dict[str, float] = field(default_factory=dict)
    runnable: bool = False
    veto: bool = False

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"rule": self.rule, "weight": self.weight, "reason": self.reason}
        if self.roles:
            data["roles"] = dict(self.roles)
        if self.veto:
            data["veto"] = True
        return data


@dataclass
class Verdict:
    score: float
    roles: list[str]  # strongest first; ["other"] when nothing voted
    votes: dict[str, float]
    runnable: bool
    vetoed_by: Evidence | None
    reasons: list[str]
    confidence: float


def fold(evidence: list[Evidence]) -> Verdict:
    """Sum the weights and role votes of the rules that fired.

    A file is an entry point when some rule shows it is runnable and no rule vetoes it.
    Its roles are every role with a clear vote (at least 2 points, or the top vote; never
    under ``MIN_ROLE_VOTE``), strongest first.
    """
    score = sum(e.weight for e in evidence)
    votes: dict[str, float] = {}
    for e in evidence:
        for role, v in e.roles.items():
            votes[role] = votes.get(role, 0.0) + v
    positive = {r: v for r, v in votes.items() if v >= MIN_ROLE_VOTE}
    if positive:
        top = max(positive.values())
        roles = [r for r, v in sorted(positive.items(), key=lambda kv: (-kv[1], ROLES.index(kv[0]))) if v >= min(2.0, top)]
    else:
        roles = ["other"]
    vetoed = next((e for e in evidence if e.veto), None)
    return Verdict(
        score=round(score, 2),
        roles=roles,
        votes={r: round(v, 2) for r, v in votes.items()},
        runnable=any(e.runnable for e in evidence),
        vetoed_by=vetoed,
        reasons=[e.reason for e in evidence if e.reason and not e.veto],
        confidence=round(1.0 - math.exp(-max(score, 0.0) / 5.0), 2),
    )
