"""`deskpilot nlu train|eval|predict` on any labelled CSV, as an operator runs them."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from deskpilot.nlu.model import TRAIN_DIR
from tests.cli.test_cli import _cli

LABELS = ["card_lost_stolen", "refund_status", "order_status", "greeting", "out_of_scope"]


def _split(tmp_path: Path) -> tuple[Path, Path]:
    with (TRAIN_DIR / "en.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    rows = [(t, "oos" if lab == "out_of_scope" else lab) for t, lab in rows if lab in LABELS]
    random.Random(0).shuffle(rows)
    cut = int(len(rows) * 0.75)
    paths = []
    for name, part in (("train.csv", rows[:cut]), ("test.csv", rows[cut:])):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "category"])  # any header names work
            w.writerows(part)
        paths.append(path)
    return paths[0], paths[1]


def test_that_a_model_trained_on_a_csv_is_evaluated_and_used(tmp_path: Path) -> None:
    train, test = _split(tmp_path)
    model = tmp_path / "model"
    trained = _cli("nlu", "train", "--data", str(train), "--out", str(model))
    assert trained.returncode == 0, trained.stderr

    evaluated = _cli("nlu", "eval", "--model", str(model), "--data", str(test), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    assert figures["accuracy"] >= 0.8
    assert 0 <= figures["oos_recall"] <= 1
    assert set(figures["per_label"]) == {*LABELS[:-1], "oos"}
    assert figures["p99_ms"] >= figures["p50_ms"] > 0

    predicted = _cli(
        "nlu",
        "predict",
        "--json",
        "--model",
        str(model),
        "someone stole my card, block it",
        "wo ist mein Paket DP-100123",
    )
    lines = [json.loads(line) for line in predicted.stdout.splitlines()]
    assert lines[0]["intent"] == "card_lost_stolen" and lines[0]["language"] == "en"
    assert lines[1]["language"] == "de"
    assert {"type": "order_reference", "value": "DP-100123", "text": "DP-100123"} in lines[1][
        "entities"
    ]


def test_that_a_malformed_csv_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("only_one_column\nhello\n", encoding="utf-8")
    out = _cli("nlu", "train", "--data", str(bad), "--out", str(tmp_path / "m"))
    assert out.returncode == 2
    assert "header row" in out.stderr or "two columns" in out.stderr
