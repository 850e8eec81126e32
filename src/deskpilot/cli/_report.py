"""``deskpilot report``: a period's analytics as one self-contained HTML file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from deskpilot.config import get_settings
from deskpilot.db import Database, upgrade
from deskpilot.errors import DeskPilotError

err = Console(stderr=True)
_DAY = ["%Y-%m-%d"]


def report(
    first: Annotated[
        datetime, typer.Option("--from", formats=_DAY, help="First day, YYYY-MM-DD (UTC)")
    ],
    last: Annotated[
        datetime, typer.Option("--to", formats=_DAY, help="Last day, YYYY-MM-DD, included")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the HTML file")] = Path("report.html"),
    language: Annotated[str | None, typer.Option(help="Only this language, e.g. sv")] = None,
    market: Annotated[str | None, typer.Option(help="Only this market, e.g. SE")] = None,
    intent: Annotated[str | None, typer.Option(help="Only this intent")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel")] = None,
) -> None:
    """Write the analytics of the conversations started in [--from, --to] as one HTML
    file (charts, tables, alerts and definitions inside; nothing fetched when opened)."""
    if last < first:
        raise typer.BadParameter(
            f"{last:%Y-%m-%d} is before --from {first:%Y-%m-%d}", param_hint="--to"
        )
    from deskpilot.analytics.metrics import compute_dashboard, tables
    from deskpilot.analytics.report import render_report
    from deskpilot.analytics.schema import Filters

    filters = Filters(
        start=first.replace(tzinfo=UTC),
        end=last.replace(tzinfo=UTC) + timedelta(days=1),  # --to is a whole day
        language=language or None,
        market=market or None,
        intent=intent or None,
        channel=channel or None,
    )
    settings = get_settings()
    db = Database(settings.database_url, echo=settings.sql_echo)
    try:
        upgrade(db.engine)
        dashboard = compute_dashboard(db, filters, settings)
        html = render_report(dashboard, tables(dashboard))
    except DeskPilotError as exc:
        err.print(f"[red]Cannot build the report:[/] {exc.message}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]Cannot write {out}:[/] {exc.strerror}")
        raise typer.Exit(1) from None
    print(out.resolve())


def register(app: typer.Typer) -> None:
    app.command()(report)
