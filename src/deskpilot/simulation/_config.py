"""What a simulation run does: how many customers, how fast, how they behave.

Real-world durations are written here in real seconds and multiplied by ``time_scale``
when the simulator waits. The default scale, 1/60, turns a minute into a second: a human
case of about 11 minutes takes about 11 seconds, a customer's 12 seconds of typing
between messages takes 0.2 seconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from deskpilot.errors import InvalidInput

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIME_SCALE = 1 / 60

# Real-world durations (seconds): (median, lognormal sigma), drawn at most TAIL x median.
HANDLING = (11 * 60.0, 0.5)  # an agent's handling time for one case
THINKING = (12.0, 0.6)  # a customer reading and typing between two messages
RECONTACT = (5 * 60.0, 0.5)  # until a customer contacts again about the same topic
TAIL = 3.0
PATIENCE = 30 * 60.0  # how long a customer waits for a person before giving up
AGENT_POLL = 20.0  # how often an idle agent looks at the queue
# Paced arrivals keep the agents this busy, counting on this share of conversations
# reaching a person without asking (misunderstandings, hardship, complaints).
UTILISATION = 0.8
UNASKED_HANDOFFS = 0.05
# Bounds on scaled waits: a tiny scale must not spin, a huge one must not stall.
MIN_POLL, MAX_POLL = 0.05, 2.0

# Simulated CSAT: probabilities of the scores 1..5 by how the conversation went.
CSAT: Mapping[str, tuple[float, ...]] = MappingProxyType(
    {
        "assistant": (0.04, 0.04, 0.10, 0.27, 0.55),
        "human": (0.05, 0.05, 0.10, 0.25, 0.55),
        "failed": (0.35, 0.25, 0.20, 0.12, 0.08),
        "abandoned": (0.55, 0.25, 0.12, 0.05, 0.03),
    }
)

# Simulated review findings: the share of reviewed conversations with an error, by
# severity ("none" is the rest). People slip a little more often on small things.
ASSISTANT_ERROR_RATES: Mapping[str, float] = MappingProxyType(
    {"minor": 0.08, "major": 0.03, "critical": 0.01}
)
HUMAN_ERROR_RATES: Mapping[str, float] = MappingProxyType(
    {"minor": 0.12, "major": 0.03, "critical": 0.01}
)
SEVERITIES = ("minor", "major", "critical")


def _share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InvalidInput(f"{name} must be between 0 and 1, not {value}")


@dataclass(frozen=True)
class SimulationConfig:
    """One run's parameters; every default is what ``deskpilot simulate`` uses."""

    conversations: int = 100
    url: str = DEFAULT_URL
    concurrency: int = 20
    seed: int = 1
    agents: int = 3
    # (username, password) pairs the simulated agents log in with, used in turn.
    agent_logins: tuple[tuple[str, str], ...] = ()
    handoff_share: float = 0.15  # customers who want a person
    repeat_share: float = 0.10  # contacts that come back about an earlier topic
    rating_probability: float = 0.6  # customers who leave a CSAT score
    time_scale: float = DEFAULT_TIME_SCALE
    # New conversations per real-world hour (a Poisson process); None paces them to what
    # the agents can keep up with, 0 starts them as fast as the concurrency allows.
    arrivals_per_hour: float | None = None
    reviews: bool = True
    review_share: float = 0.5  # of the review queue, how much the reviewers get through
    handback_share: float = 0.1  # cases an agent hands back to the assistant
    action_share: float = 0.3  # cases where the agent approves a suggested action
    assistant_error_rates: Mapping[str, float] = field(
        default_factory=lambda: ASSISTANT_ERROR_RATES
    )
    human_error_rates: Mapping[str, float] = field(default_factory=lambda: HUMAN_ERROR_RATES)
    request_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.conversations < 1:
            raise InvalidInput("Simulate at least one conversation")
        if self.concurrency < 1:
            raise InvalidInput("Concurrency must be at least 1")
        if self.agents < 0:
            raise InvalidInput("The number of agents cannot be negative")
        if not math.isfinite(self.time_scale) or self.time_scale < 0:
            raise InvalidInput("The time scale must be a non-negative number")
        if self.arrivals_per_hour is not None and not 0 <= self.arrivals_per_hour < math.inf:
            raise InvalidInput("Arrivals per hour must be a non-negative number")
        for name in (
            "handoff_share",
            "repeat_share",
            "rating_probability",
            "review_share",
            "handback_share",
            "action_share",
        ):
            _share(name, getattr(self, name))
        for name in ("assistant_error_rates", "human_error_rates"):
            rates: Mapping[str, float] = getattr(self, name)
            if set(rates) - set(SEVERITIES) or sum(rates.values()) > 1:
                raise InvalidInput(f"{name}: rates of {SEVERITIES} adding up to at most 1")

    def scaled(self, real_seconds: float) -> float:
        """A real-world duration in simulated seconds."""
        return real_seconds * self.time_scale

    def draw(self, rng: random.Random, duration: tuple[float, float]) -> float:
        """A lognormal real-world duration around its median (its tail cut), scaled."""
        median, sigma = duration
        return self.scaled(min(TAIL * median, rng.lognormvariate(math.log(median), sigma)))

    @property
    def paced_arrivals_per_hour(self) -> float:
        """New conversations per real hour that keep the agents busy but not swamped:
        3 agents at about 12.5 minutes a case, 20 % of conversations handed off: ~58."""
        if self.arrivals_per_hour is not None:
            return self.arrivals_per_hour
        if not self.agents:
            return 0.0
        median, sigma = HANDLING
        cases_per_hour = self.agents * 3600 / (median * math.exp(sigma**2 / 2))
        return UTILISATION * cases_per_hour / (self.handoff_share + UNASKED_HANDOFFS)

    @property
    def arrival_gap_seconds(self) -> float:
        """Mean scaled seconds between two new conversations (0: no pacing)."""
        rate = self.paced_arrivals_per_hour
        return self.scaled(3600 / rate) if rate > 0 else 0.0

    @property
    def poll_seconds(self) -> float:
        return min(MAX_POLL, max(MIN_POLL, self.scaled(AGENT_POLL)))

    @property
    def patience_seconds(self) -> float:
        return max(1.0, self.scaled(PATIENCE))


def csat_score(rng: random.Random, how: str) -> int:
    """A simulated CSAT score (1-5) for a conversation that went ``how``."""
    weights = CSAT.get(how, CSAT["assistant"])
    return rng.choices(range(1, 6), weights=weights)[0]


def severity(rng: random.Random, rates: Mapping[str, float]) -> str:
    """A simulated review severity drawn from per-severity rates ("none" otherwise)."""
    roll, edge = rng.random(), 0.0
    for name in SEVERITIES:
        edge += rates.get(name, 0.0)
        if roll < edge:
            return name
    return "none"
