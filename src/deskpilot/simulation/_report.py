"""The tally of a simulation run, filled in as it goes and printed at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_ERROR_KINDS = 50


@dataclass
class SimulationReport:
    """What a run did. Ratings and reviews in it are simulated, not anyone's opinion."""

    planned: int
    conversations: int = 0  # started through the API
    ended: int = 0  # ended (by the customer, or closed by an agent) and seen through
    customer_turns: int = 0  # messages the simulated customers sent
    agent_messages: int = 0
    handoffs: int = 0
    claimed: int = 0
    closed_by_agents: int = 0
    handed_back: int = 0
    actions_approved: int = 0
    abandoned: int = 0  # customers who gave up waiting for a person
    repeat_contacts: int = 0
    rate_limited: int = 0  # HTTP 429 answers, each retried after a pause
    server_errors: int = 0  # HTTP 5xx answers
    elapsed_seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    ratings: Counter[int] = field(default_factory=Counter)
    reviews: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def error(self, kind: str) -> None:
        """Count a failed request or step by kind (a few dozen kinds at most)."""
        if kind in self.errors or len(self.errors) < MAX_ERROR_KINDS:
            self.errors[kind] += 1
        else:
            self.errors["other"] += 1

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def turns_per_second(self) -> float:
        return self.customer_turns / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0

    @property
    def mean_rating(self) -> float | None:
        n = sum(self.ratings.values())
        return sum(k * v for k, v in self.ratings.items()) / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "conversations": self.conversations,
            "ended": self.ended,
            "customer_turns": self.customer_turns,
            "agent_messages": self.agent_messages,
            "handoffs": self.handoffs,
            "claimed": self.claimed,
            "closed_by_agents": self.closed_by_agents,
            "handed_back": self.handed_back,
            "actions_approved": self.actions_approved,
            "abandoned": self.abandoned,
            "repeat_contacts": self.repeat_contacts,
            "outcomes": dict(self.outcomes),
            "languages": dict(self.languages.most_common()),
            "ratings": {str(k): self.ratings[k] for k in sorted(self.ratings)},
            "mean_rating": round(self.mean_rating, 3) if self.mean_rating else None,
            "reviews": dict(self.reviews),
            "rate_limited": self.rate_limited,
            "server_errors": self.server_errors,
            "errors": dict(self.errors.most_common()),
            "warnings": list(self.warnings),
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "turns_per_second": round(self.turns_per_second, 2),
            "simulated": "ratings and reviews are drawn from fixed distributions",
        }
