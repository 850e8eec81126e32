"""``deskpilot serve`` and ``deskpilot token``: the web service and demo credentials."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import func, select

from deskpilot.config import get_settings
from deskpilot.db import Database, upgrade
from deskpilot.db import models as m
from deskpilot.errors import Conflict

console = Console()
DEMO_AGENTS = [
    ("agent", "agent-demo-pass", "agent", "Alex (agent)"),
    ("supervisor", "supervisor-demo-pass", "supervisor", "Sam (supervisor)"),
]


def customer_token(customer_id: int) -> str:
    from deskpilot.api.auth import issue_token

    settings = get_settings()
    return issue_token(
        settings.secret_key.get_secret_value(),
        "customer",
        customer_id,
        datetime.now(UTC),
        settings.customer_token_minutes,
    )


def token(customer: Annotated[int, typer.Option(help="Customer id")]) -> None:
    """Issue a signed, expiring chat token for one customer (demo mode only)."""
    if not get_settings().demo_mode:
        console.print("[red]Tokens come from the company's app outside demo mode.[/]")
        raise typer.Exit(2)
    print(customer_token(customer))


def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (needs Redis if > 1)")
    ] = None,
) -> None:
    """Run the web service: chat widget, agent workspace, supervisor view and the API."""
    import uvicorn

    from deskpilot.api import create_app
    from deskpilot.runtime import build_assistant

    settings = get_settings()
    db = Database(settings.database_url)
    upgrade(db.engine)
    with console.status("Loading the assistant..."):
        assistant = build_assistant(settings, db)
    app = create_app(settings, assistant)
    if settings.demo_mode:
        for username, password, role, name in DEMO_AGENTS:
            with contextlib.suppress(Conflict):
                app.state.workspace.create_agent(username, password, role, name)
    h, p = host or settings.host, port or settings.port
    base = f"http://{h}:{p}"
    with db.session() as s:
        first = s.scalar(select(func.min(m.Customer.id)))
    if first is not None and settings.demo_mode:
        print(f"Customer chat:   {base}/chat?token={customer_token(int(first))}")
    print(f"Agent workspace: {base}/agent   (demo: agent / agent-demo-pass)")
    print(f"Supervisor view: {base}/supervisor   (demo: supervisor / supervisor-demo-pass)")
    print(f"API docs:        {base}/docs", flush=True)
    n = workers or settings.workers
    if n > 1:
        if not settings.redis_url:
            console.print("[red]Several workers need DESKPILOT_REDIS_URL for live updates.[/]")
            raise typer.Exit(2)
        with _shared_metrics_dir():
            uvicorn.run(
                "deskpilot.api.app:app_from_settings",
                factory=True,
                host=h,
                port=p,
                workers=n,
                log_level="warning",
            )
        return
    uvicorn.run(app, host=h, port=p, log_level="warning")


@contextlib.contextmanager
def _shared_metrics_dir() -> Iterator[None]:
    """A fresh directory where every worker writes its Prometheus metrics, so that /metrics
    on any of them reports the whole service; removed when the workers have stopped. The
    workers are new processes, so they see the variable from their first import. A directory
    the operator chose is used as it is and kept."""
    from deskpilot.api.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        yield
        return
    path = tempfile.mkdtemp(prefix="deskpilot-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(path, ignore_errors=True)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(token)
