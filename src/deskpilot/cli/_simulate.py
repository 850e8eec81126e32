"""``deskpilot simulate``: simulated customers, agents and reviewers against a running service."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from deskpilot.cli._serve import DEMO_AGENTS
from deskpilot.config import get_settings
from deskpilot.db import Database
from deskpilot.errors import DeskPilotError
from deskpilot.simulation import (
    DEFAULT_TIME_SCALE,
    DEFAULT_URL,
    SimulationConfig,
    SimulationReport,
    run_simulation,
)

console = Console()
err = Console(stderr=True)
SIMULATED = (
    "Ratings and review verdicts are SIMULATED (drawn from fixed distributions), "
    "not customer or reviewer opinion."
)


def simulate(
    conversations: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Conversations to simulate")
    ] = 100,
    url: Annotated[str, typer.Option(help="The running service's base URL")] = DEFAULT_URL,
    concurrency: Annotated[int, typer.Option(min=1, help="Customers chatting at a time")] = 20,
    seed: Annotated[
        int, typer.Option(help="Random seed; same seed, same customers and scripts")
    ] = 1,
    agents: Annotated[int, typer.Option(min=0, help="Simulated agents taking handoffs")] = 3,
    handoff_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of customers who want a person")
    ] = 0.15,
    repeat_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of contacts about an earlier topic")
    ] = 0.10,
    rating_probability: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Chance a customer leaves a CSAT score")
    ] = 0.6,
    time_scale: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Seconds waited per real-world second (1/60: an 11-minute human case takes 11 s)",
        ),
    ] = DEFAULT_TIME_SCALE,
    arrivals_per_hour: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="New conversations per real-world hour (default: what the agents keep up "
            "with; 0: as fast as the concurrency allows)",
        ),
    ] = None,
    reviews: Annotated[
        bool, typer.Option("--reviews/--no-reviews", help="Simulate quality reviewers")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Fill a running service with traffic: simulated customers chat in their own
    languages, simulated agents take handoffs, simulated reviewers grade conversations.
    Uses the service's database and secret (same DESKPILOT_* settings); demo mode only."""
    config = SimulationConfig(
        conversations=conversations,
        url=url.rstrip("/"),
        concurrency=concurrency,
        seed=seed,
        agents=agents,
        agent_logins=tuple((user, password) for user, password, _, _ in DEMO_AGENTS),
        handoff_share=handoff_share,
        repeat_share=repeat_share,
        rating_probability=rating_probability,
        time_scale=time_scale,
        arrivals_per_hour=arrivals_per_hour,
        reviews=reviews,
    )
    report = _run(config)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        _print(report)
    for warning in report.warnings:
        err.print(f"[yellow]{warning}[/]")


def _run(config: SimulationConfig) -> SimulationReport:
    """The run with a progress bar; a clear message and exit code 2 when it cannot run."""
    settings = get_settings()
    gap = config.arrival_gap_seconds
    pace = f"one new every {gap:.2f} s on average" if gap else "as fast as they can"
    err.print(f"[bold]Simulating[/] {config.conversations} conversations against {config.url}")
    err.print(f"({pace}). {SIMULATED}")
    db = Database(settings.database_url)
    try:
        with Progress(
            "Conversations", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as bar:
            task = bar.add_task("simulate", total=config.conversations)
            return run_simulation(config, settings, db, lambda n: bar.advance(task, n))
    except DeskPilotError as exc:
        err.print(f"[red]{exc.message}[/]")
        raise typer.Exit(2) from None
    finally:
        db.dispose()


def _print(report: SimulationReport) -> None:
    table = Table("figure", "value", title="Simulation (ratings and reviews are simulated)")
    ratings = " ".join(f"{k}:{report.ratings[k]}" for k in sorted(report.ratings))
    mean = f" (mean {report.mean_rating:.2f})" if report.mean_rating else ""
    rows = [
        ("conversations", f"{report.conversations} of {report.planned}"),
        ("ended", str(report.ended)),
        ("customer turns", str(report.customer_turns)),
        ("agent messages", str(report.agent_messages)),
        ("handoffs", str(report.handoffs)),
        ("claimed / closed by agents", f"{report.claimed} / {report.closed_by_agents}"),
        ("handed back / actions approved", f"{report.handed_back} / {report.actions_approved}"),
        ("gave up waiting", str(report.abandoned)),
        ("repeat contacts", str(report.repeat_contacts)),
        ("outcomes", _counts(report.outcomes)),
        ("languages", _counts(report.languages)),
        ("simulated ratings", (ratings or "none") + mean),
        ("simulated reviews", _counts(report.reviews) or "none"),
        ("rate-limited (retried)", str(report.rate_limited)),
        ("errors", f"{report.error_count} ({report.server_errors} server errors)"),
        ("elapsed", f"{report.elapsed_seconds:.1f} s"),
        ("turns/s", f"{report.turns_per_second:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    for kind, n in report.errors.most_common(10):
        err.print(f"[red]{n} x[/] {kind}")


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common())


def register(app: typer.Typer) -> None:
    app.command()(simulate)
