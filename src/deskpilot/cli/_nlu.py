"""``deskpilot nlu train|eval|predict``: the embedded understanding on any labelled CSV."""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from deskpilot.config import get_settings
from deskpilot.errors import DeskPilotError, InvalidInput
from deskpilot.nlu import model as nlu_model

nlu_app = typer.Typer(help="Train, evaluate and try the embedded understanding.")
err = Console(stderr=True)


def _fail(exc: DeskPilotError) -> None:
    err.print(f"[red]{exc.message}[/]")
    raise typer.Exit(2)


@nlu_app.command()
def train(
    data: Annotated[Path, typer.Option(help="CSV: header row, text first, label second")],
    out: Annotated[Path, typer.Option(help="Directory to write the model to")],
    oos_label: Annotated[str, typer.Option(help="Label meaning out of scope")] = "oos",
) -> None:
    """Train an intent model on any labelled CSV (Banking77, CLINC150, your own)."""
    from deskpilot.nlu._classifier import IntentClassifier

    try:
        texts, labels = nlu_model.read_labelled_csv(data)
    except DeskPilotError as exc:
        _fail(exc)
    with Progress(console=err, transient=True) as bar:
        bar.add_task(f"Training on {len(texts):,} examples", total=None)
        started = time.perf_counter()
        clf = IntentClassifier().fit(texts, labels, oos_label=oos_label)
    clf.save(out)
    err.print(
        f"Trained {len(set(labels))} labels on {len(texts):,} examples in "
        f"{time.perf_counter() - started:.1f} s -> {out}"
    )


@nlu_app.command("eval")
def evaluate(
    model: Annotated[
        Path | None, typer.Option(help="Model directory from `nlu train` (with --data)")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Labelled CSV to evaluate on")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    oos_label: Annotated[str, typer.Option()] = "oos",
    test_size: Annotated[float, typer.Option(min=0.05, max=0.5)] = 0.2,
) -> None:
    """Without --model/--data: the embedded understanding per language (held-out intent
    accuracy, gap to English, scenario openings, language identification), worst language
    named. With them: accuracy, macro-F1, per-label scores, out-of-scope recall, latency."""
    from sklearn.metrics import classification_report, f1_score

    from deskpilot.nlu._classifier import IntentClassifier

    if model is None and data is None:
        _per_language(as_json, test_size)
        return
    if model is None or data is None:
        _fail(InvalidInput("--model and --data go together"))
    assert model is not None and data is not None

    try:
        texts, labels = nlu_model.read_labelled_csv(data)
    except DeskPilotError as exc:
        _fail(exc)
    clf = IntentClassifier.load(model)
    predicted, times = [], []
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("Evaluating", total=len(texts))
        for text in texts:
            t0 = time.perf_counter()
            predicted.append(clf.predict_one(text)[0])
            times.append((time.perf_counter() - t0) * 1000)
            bar.advance(task)
    times.sort()
    report = classification_report(labels, predicted, output_dict=True, zero_division=0)
    result: dict[str, object] = {
        "examples": len(texts),
        "accuracy": round(
            sum(p == g for p, g in zip(predicted, labels, strict=True)) / len(texts), 4
        ),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", zero_division=0)), 4),
        "per_label": {
            k: {m: round(float(v[m]), 4) for m in ("precision", "recall", "f1-score")}
            for k, v in report.items()
            if isinstance(v, dict) and k in set(labels)
        },
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
    }
    if oos_label in labels:
        oos = [p for p, g in zip(predicted, labels, strict=True) if g == oos_label]
        result["oos_recall"] = round(sum(p == oos_label for p in oos) / len(oos), 4)
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    for k in ("examples", "accuracy", "macro_f1", "oos_recall", "p50_ms", "p99_ms"):
        if k in result:
            err.print(f"{k}: {result[k]}")


@nlu_app.command()
def predict(
    texts: Annotated[list[str], typer.Argument(help="Messages to understand")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    model: Annotated[
        Path | None, typer.Option(help="Model directory (default model if unset)")
    ] = None,
) -> None:
    """Language, intent, confidence and entities of each message (one JSON line each)."""
    from deskpilot.nlu._classifier import IntentClassifier
    from deskpilot.nlu.entities import extract
    from deskpilot.runtime import language_identifier

    settings = get_settings()
    clf = IntentClassifier.load(model) if model else nlu_model.load_default(settings.model_dir)
    lang_id = language_identifier(settings)
    today = datetime.now(UTC).date()
    for text in texts:
        intent, conf, alts = clf.predict_one(text)
        lang = lang_id.detect(text).language
        ents = [e.to_json() for e in extract(text, today=today, locale=lang)]
        row = {
            "text": text,
            "language": lang,
            "intent": intent,
            "confidence": round(conf, 4),
            "alternatives": [[a, round(c, 4)] for a, c in alts],
            "entities": ents,
        }
        sys.stdout.write(
            json.dumps(row, ensure_ascii=False) + "\n"
            if as_json
            else f"{text!r}: {lang} {intent} ({conf:.2f}) {ents}\n"
        )


def _per_language(as_json: bool, test_size: float) -> None:
    from rich.table import Table

    from deskpilot.nlu.evaluation import evaluate as evaluate_languages
    from deskpilot.nlu.evaluation import main_table

    with err.status("Evaluating...") as status:
        result = evaluate_languages(test_size, progress=lambda m: status.update(m))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    table = Table(
        "language",
        "intent acc (held out)",
        "gap to en",
        "intent acc (scenarios)",
        "lang id 3+ words (held out)",
        "lang id 3+ words (scenarios)",
        "lang id 2 words",
    )
    for row in main_table(result):
        table.add_row(*row)
    err.print(table)
    for k in ("languages", "worst_language", "max_gap_to_english", "language_id_3plus_words"):
        err.print(f"{k}: {result[k]}")


def register(app: typer.Typer) -> None:
    app.add_typer(nlu_app, name="nlu")
