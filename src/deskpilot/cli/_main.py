"""The ``deskpilot`` command line."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from deskpilot.config import get_settings
from deskpilot.db import Database, upgrade
from deskpilot.db import models as m
from deskpilot.domain.actions import REGISTRY, AccountService, Actor
from deskpilot.domain.enums import ActorKind
from deskpilot.engine.assistant import locale_for
from deskpilot.engine.responses import format_money
from deskpilot.errors import DeskPilotError
from deskpilot.seed import seed as run_seed

app = typer.Typer(
    help="DeskPilot: AI customer service for payments companies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
console = Console()
err_console = Console(stderr=True)


def _database() -> Database:
    settings = get_settings()
    return Database(settings.database_url, echo=settings.sql_echo)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema in DESKPILOT_DATABASE_URL."""
    db = _database()
    upgrade(db.engine)
    console.print(f"[green]Schema up to date[/] in {db.engine.url.render_as_string()}")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(min=1, max=5_000_000, help="How many customers")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed; same seed and day, same data")] = 1,
    today: Annotated[
        str | None, typer.Option(help="Anchor date YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """Create a deterministic demo data set of any size in DESKPILOT_DATABASE_URL."""
    db = _database()
    upgrade(db.engine)
    anchor = date.fromisoformat(today) if today else datetime.now(UTC).date()
    started = datetime.now(UTC)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        task = bar.add_task("Seeding customers", total=customers)
        report = run_seed(
            db, customers, seed=seed, today=anchor, progress=lambda n: bar.update(task, completed=n)
        )
    secs = (datetime.now(UTC) - started).total_seconds()
    console.print(
        f"Seeded {report.customers:,} customers ({report.rows:,} rows) from id "
        f"{report.first_customer_id} in {secs:.1f} s "
        f"({report.customers / max(secs, 1e-9):,.0f} customers/s)"
    )


@app.command()
def actions(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List every account action with its description and input/output JSON schemas."""
    specs = [REGISTRY[name].describe() for name in sorted(REGISTRY)]
    if as_json:
        sys.stdout.write(json.dumps(specs, indent=2) + "\n")
        return
    table = Table("action", "kind", "rule", "description")
    for s in specs:
        table.add_row(s["name"], s["kind"], s["rule"], s["description"])
    console.print(table)


@app.command()
def policies() -> None:
    """Print the written business rules every account action is checked against."""
    from rich.markdown import Markdown

    from deskpilot.domain.policies import rules_markdown

    console.print(Markdown(rules_markdown()))


@app.command()
def call(
    action: Annotated[str, typer.Argument(help="Action name, see `deskpilot actions`")],
    customer: Annotated[int, typer.Option(help="Customer id")],
    args: Annotated[str, typer.Option(help="Input as a JSON object")] = "{}",
    as_agent: Annotated[str | None, typer.Option("--agent", help="Act as this agent id")] = None,
) -> None:
    """Run one account action (as the customer, or as an agent) and print its JSON result."""
    try:
        payload = json.loads(args)
    except json.JSONDecodeError as exc:
        err_console.print(f"[red]--args is not JSON:[/] {exc}")
        raise typer.Exit(2) from None
    actor = Actor.agent(as_agent, customer) if as_agent else Actor.customer(customer)
    service = AccountService(_database())
    try:
        out = service.run(action, actor, payload)
    except DeskPilotError as exc:
        sys.stdout.write(json.dumps({"error": exc.to_dict()}) + "\n")
        raise typer.Exit(1) from None
    sys.stdout.write(out.model_dump_json(indent=2) + "\n")


@app.command()
def start(
    customers: Annotated[int, typer.Option(help="Demo customers to seed on first start")] = 200,
    chat: Annotated[
        bool, typer.Option(help="Open a terminal chat afterwards (if interactive)")
    ] = True,
    customer: Annotated[int, typer.Option(help="Customer to chat as")] = 1,
    web: Annotated[bool, typer.Option(help="Start the web service (else a terminal chat)")] = True,
) -> None:
    """The main job: demo data in the embedded database, then the web service (or a chat)."""
    db = _database()
    upgrade(db.engine)
    with db.session() as s:
        existing = s.scalar(select(func.count(m.Customer.id))) or 0
    if not existing:
        run_seed(db, customers, today=datetime.now(UTC).date())
    _print_overview(db)
    if web and chat:
        from deskpilot.cli._serve import serve

        serve()
        return
    if chat and sys.stdin.isatty():
        from deskpilot.cli._chat import chat as run_chat

        run_chat(customer)
    else:
        console.print("Chat with the assistant: [cyan]deskpilot chat --customer 1[/]")


def _print_overview(db: Database) -> None:
    with db.session() as s:
        counts = {
            t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0
            for t in (m.Customer, m.Order, m.Installment, m.Refund, m.Dispute, m.Card)
        }
        markets = s.execute(
            select(m.Customer.country, func.count())
            .group_by(m.Customer.country)
            .order_by(func.count().desc())
        ).all()
    console.print(f"[bold]DeskPilot[/] database: {db.engine.url.render_as_string()}")
    table = Table("table", "rows")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print("Markets: " + ", ".join(f"{c} {n}" for c, n in markets))
    service = AccountService(db)
    people = Table("customer", "name", "market", "language", "balance", "open orders", "verified")
    for cid in range(1, 9):
        try:
            o = service.run("get_customer_overview", Actor(ActorKind.SYSTEM, "cli", cid), {})
        except DeskPilotError:
            continue
        v = o.model_dump()
        people.add_row(
            str(cid),
            v["name"],
            v["market"],
            v["language"],
            format_money(v["balance"], locale_for(v["language"], v["market"])),
            str(v["open_orders"]),
            "yes" if v["identity_verified"] else "no",
        )
    console.print(people)


def _register() -> None:
    from deskpilot.cli import _chat, _eval, _nlu, _report, _serve, _simulate

    _serve.register(app)
    _nlu.register(app)
    _eval.register(app)
    _chat.register(app)
    _simulate.register(app)
    _report.register(app)


_register()
