"""``deskpilot eval scenarios``: the scenario suite against the assistant."""

from __future__ import annotations

import json
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from deskpilot.clock import FixedClock
from deskpilot.config import Settings, get_settings
from deskpilot.db import Database, upgrade
from deskpilot.engine.assistant import Assistant
from deskpilot.evaluation.runner import (
    EVAL_NOW,
    Result,
    ScenarioRunner,
    llm_figures,
    summarise,
)
from deskpilot.evaluation.scenario import load_scenarios

eval_app = typer.Typer(help="Evaluate the assistant.")
err = Console(stderr=True)


class UnderstandingChoice(StrEnum):
    embedded = "embedded"
    llm = "llm"


def _settings_for(choice: UnderstandingChoice) -> Settings:
    """The settings for the chosen understanding; LLM mode needs a configured endpoint."""
    settings = get_settings()
    if choice is UnderstandingChoice.embedded:
        return settings.model_copy(update={"llm_base_url": None})
    if not (settings.llm_base_url or "").strip():
        err.print(
            "[red]--understanding llm needs a model endpoint:[/] set DESKPILOT_LLM_BASE_URL "
            "(an OpenAI-compatible base URL ending in /v1), and DESKPILOT_LLM_MODEL and "
            "DESKPILOT_LLM_API_KEY if the endpoint wants them."
        )
        raise typer.Exit(2)
    return settings


def _llm_summary(assistant: Assistant, results: list[Result]) -> dict[str, Any]:
    """LLM mode's figures (empty in embedded mode); closes the model client."""
    from deskpilot.llm.understanding import LLMUnderstanding

    understanding = assistant.understanding
    if not isinstance(understanding, LLMUnderstanding):
        return {}
    understanding.close()
    return llm_figures(results, understanding.stats.as_dict())


@eval_app.command()
def scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
    file: Annotated[list[Path] | None, typer.Option(help="Scenario YAML file(s)")] = None,
    variants: Annotated[int, typer.Option(help="Phrasings to run per scenario (0 = all)")] = 0,
    only: Annotated[str | None, typer.Option(help="Run scenarios whose id contains this")] = None,
    show_failures: Annotated[bool, typer.Option(help="Print failed transcripts")] = False,
    language: Annotated[
        list[str] | None, typer.Option(help="Only scenarios in this language (repeatable)")
    ] = None,
    understanding: Annotated[
        UnderstandingChoice,
        typer.Option(
            help="embedded (the trained models) or llm (the model at DESKPILOT_LLM_BASE_URL, "
            "with the embedded understanding as its fallback)"
        ),
    ] = UnderstandingChoice.embedded,
) -> None:
    """Run the simulated customers and print automation, correctness and latency,
    overall and per language (the worst language named); in LLM mode also the model
    calls, fallbacks and tokens."""
    from deskpilot.runtime import build_assistant

    settings = _settings_for(understanding)
    suite = [
        s
        for s in load_scenarios(file)
        if (not only or only in s.id) and (not language or s.language in language)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'scenarios.db'}")
        upgrade(db.engine)
        with err.status("Loading the assistant..."):
            assistant = build_assistant(settings, db, clock=FixedClock(EVAL_NOW))
        runner = ScenarioRunner(db, assistant)
        jobs = [(s, v) for s in suite for v in range(variants or s.variant_count())]
        results: list[Result] = []
        with Progress(
            "Scenarios", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as bar:
            task = bar.add_task("run", total=len(jobs))
            for scenario, variant in jobs:
                results.append(runner.run(scenario, variant))
                bar.advance(task)
        db.dispose()
    summary = {"understanding": understanding.value, **summarise(results)}
    summary |= _llm_summary(assistant, results)
    if show_failures:
        for r in results:
            if r.outcome == "failed" or r.wrong_actions:
                err.print(f"[red]{r.scenario}#{r.variant}[/] {r.problems}")
                err.print("\n".join(r.transcript))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    table = Table("figure", "value")
    for key, value in summary.items():
        if key != "by_language":
            table.add_row(key, str(value))
    err.print(table)
    per_language = Table("language", "runs", "automation", "correct", "wrong actions", "failed")
    for lang, row in summary["by_language"].items():
        per_language.add_row(
            lang,
            str(row["runs"]),
            f"{row['automation_rate']:.3f}",
            f"{row['correct_resolution_rate']:.3f}",
            str(row["wrong_action_count"]),
            str(row["failed"]),
        )
    err.print(per_language)
    for r in results:
        if r.outcome == "failed":
            err.print(f"[yellow]failed[/] {r.scenario}#{r.variant}: {'; '.join(r.problems)}")


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
