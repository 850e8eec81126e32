"""A traffic simulator for a running DeskPilot service (``deskpilot simulate``).

Simulated customers from the service's database chat through the HTTP API in their own
language with lines from the scenario suite; simulated agents take the handoffs with
realistic (time-scaled) handling times; simulated reviewers grade part of the review
queue. It fills a fresh install with data for the dashboard. Its CSAT scores and review
verdicts are simulated, drawn from fixed distributions: they are nobody's opinion.
"""

from deskpilot.simulation._api import SimulationError
from deskpilot.simulation._config import DEFAULT_TIME_SCALE, DEFAULT_URL, SimulationConfig
from deskpilot.simulation._plan import Contact, plan
from deskpilot.simulation._report import SimulationReport
from deskpilot.simulation._run import run_simulation, simulate

__all__ = [
    "Contact",
    "DEFAULT_TIME_SCALE",
    "DEFAULT_URL",
    "SimulationConfig",
    "SimulationError",
    "SimulationReport",
    "plan",
    "run_simulation",
    "simulate",
]
