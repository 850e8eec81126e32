"""``deskpilot chat``: a terminal conversation with the assistant on the seeded data."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from deskpilot.config import get_settings
from deskpilot.db import Database, upgrade
from deskpilot.errors import DeskPilotError

console = Console()


def chat(customer: Annotated[int, typer.Option(help="Customer id to chat as")] = 1) -> None:
    """Chat with the assistant in the terminal as a seeded customer (Ctrl-D to end)."""
    from deskpilot.runtime import build_assistant

    settings = get_settings()
    db = Database(settings.database_url)
    upgrade(db.engine)
    with console.status("Loading the assistant..."):
        assistant = build_assistant(settings, db)
    try:
        reply = assistant.start(customer)
    except DeskPilotError as exc:
        console.print(f"[red]{exc.message}[/] (seed data with `deskpilot seed`)")
        raise typer.Exit(2) from None
    for msg in reply.messages:
        console.print(Panel(msg, title="DeskPilot", title_align="left", border_style="cyan"))
    while True:
        try:
            text = console.input("[bold green]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            break
        if not text.strip():
            continue
        try:
            reply = assistant.handle(reply.conversation_id, customer, text)
        except DeskPilotError as exc:
            console.print(f"[red]{exc.message}[/]")
            continue
        for msg in reply.messages:
            console.print(Panel(msg, title="DeskPilot", title_align="left", border_style="cyan"))
        note = f"{reply.understood['intent'] if reply.understood else '-'} · {reply.latency_ms} ms"
        if reply.actions:
            note += " · actions: " + ", ".join(reply.actions)
        if reply.handoff:
            note += f" · handed off ({reply.handoff})"
        console.print(f"[dim]{note}[/]")
        if reply.status in ("resolved", "closed"):
            break
    assistant.end(reply.conversation_id, customer)


def register(app: typer.Typer) -> None:
    app.command()(chat)
