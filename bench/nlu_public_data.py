"""Benchmark: the embedded intent classifier on public data (Banking77, CLINC150).

    .venv/bin/python bench/nlu_public_data.py [--json] [--quick] [--data-dir DIR]

Banking77 (training split only; its official test split is not available here):
5-fold stratified cross-validated and 80/20 holdout accuracy of the closed-set
prediction (no out-of-scope threshold). CLINC150: trained on train.csv including its
`oos` examples, evaluated on val.csv with the threshold tuned on train. Latency is one
`predict_one` call per message on one pinned CPU core. Figures are measured, not
asserted; see the README for the last run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from deskpilot.nlu._classifier import IntentClassifier

REPO = Path(__file__).resolve().parent.parent
OOS = "oos"


def read_csv(path: Path, label_column: str) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r[label_column] for r in rows]


def subsample(texts: list[str], labels: list[str], share: float) -> tuple[list[str], list[str]]:
    """A stratified share of the data, for --quick runs."""
    kept, _, kept_labels, _ = train_test_split(
        texts, labels, train_size=share, stratify=labels, random_state=0
    )
    return list(kept), list(kept_labels)


def ece(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error: how far confidence is from accuracy, bin-weighted."""
    conf, ok = np.asarray(confidences), np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            total += mask.mean() * abs(conf[mask].mean() - ok[mask].mean())
    return round(float(total), 4)


def closed_set(
    train: tuple[list[str], list[str]], test: tuple[list[str], list[str]]
) -> dict[str, Any]:
    """Fit without a threshold and score plain accuracy, macro-F1 and calibration."""
    clf = IntentClassifier().fit(*train, tune_threshold=False)
    predicted = clf.predict(test[0])
    labels = [p[0] for p in predicted]
    correct = [p == t for p, t in zip(labels, test[1], strict=True)]
    return {
        "accuracy": round(float(np.mean(correct)), 4),
        "macro_f1": round(float(f1_score(test[1], labels, average="macro")), 4),
        "ece": ece([p[1] for p in predicted], correct),
        "temperature": round(clf.temperature, 3),
    }


def bench_banking77(
    data: tuple[list[str], list[str]], folds: int, step: Callable[[], None]
) -> dict[str, Any]:
    texts, labels = data
    y = np.asarray(labels)
    per_fold = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, y):
        per_fold.append(
            closed_set(
                ([texts[i] for i in train], [labels[i] for i in train]),
                ([texts[i] for i in test], [labels[i] for i in test]),
            )
        )
        step()
    xtr, xte, ytr, yte = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    holdout = closed_set((list(xtr), list(ytr)), (list(xte), list(yte)))
    step()
    accs = [f["accuracy"] for f in per_fold]
    return {
        "examples": len(texts),
        "cv_folds": folds,
        "cv_accuracy": round(statistics.mean(accs), 4),
        "cv_accuracy_std": round(statistics.stdev(accs), 4),
        "cv_macro_f1": round(statistics.mean(f["macro_f1"] for f in per_fold), 4),
        "cv_ece": round(statistics.mean(f["ece"] for f in per_fold), 4),
        "holdout_80_20": holdout,
    }


def open_set_scores(clf: IntentClassifier, texts: list[str], truth: list[str]) -> dict[str, Any]:
    """Accuracy with `oos` as a label, oos recall/precision and in-scope accuracy."""
    predicted = clf.predict(texts)
    labels = [p[0] for p in predicted]
    pairs = list(zip(labels, truth, strict=True))
    oos = [p for p, t in pairs if t == OOS]
    in_scope = [(p, t) for p, t in pairs if t != OOS]
    flagged = [t for p, t in pairs if p == OOS]
    return {
        "accuracy": round(float(np.mean([p == t for p, t in pairs])), 4),
        "macro_f1": round(float(f1_score(truth, labels, average="macro")), 4),
        "oos_recall": round(float(np.mean([p == OOS for p in oos])), 4),
        "oos_precision": round(float(np.mean([t == OOS for t in flagged])), 4) if flagged else 0.0,
        "in_scope_accuracy": round(float(np.mean([p == t for p, t in in_scope])), 4),
    }


def latency(clf: IntentClassifier, texts: list[str]) -> dict[str, float]:
    """p50/p99 milliseconds of single-message `predict_one`, after a warm-up."""
    for text in texts[:50]:
        clf.predict_one(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        clf.predict_one(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "messages": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
    }


def bench_clinc150(
    train: tuple[list[str], list[str]], val: tuple[list[str], list[str]], step: Callable[[], None]
) -> dict[str, Any]:
    start = time.perf_counter()
    clf = IntentClassifier().fit(*train, oos_label=OOS)
    fit_s = round(time.perf_counter() - start, 1)
    step()
    tuned = open_set_scores(clf, *val)
    threshold = clf.threshold
    clf.threshold = 0.0
    untuned = open_set_scores(clf, *val)
    clf.threshold = threshold
    step()
    top = [clf.predict_one(t)[2][0] for t, y in zip(*val, strict=True) if y != OOS]
    truth = [y for y in val[1] if y != OOS]
    in_scope_ece = ece([p for _, p in top], [a == y for (a, _), y in zip(top, truth, strict=True)])
    messages = list(val[0])
    random.Random(0).shuffle(messages)
    result = {
        "train_examples": len(train[0]),
        "val_examples": len(val[0]),
        "fit_seconds_incl_tuning": fit_s,
        "threshold": threshold,
        "temperature": round(clf.temperature, 3),
        "in_scope_top_intent_ece": in_scope_ece,
        "tuned_threshold": tuned,
        "oos_class_only": untuned,
        "latency": latency(clf, messages),
    }
    step()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--quick", action="store_true", help="30%% of the data, 3 folds")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core, as in the latency budget
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    banking = read_csv(args.data_dir / "banking77" / "train.csv", "category")
    clinc_train = read_csv(args.data_dir / "clinc150" / "train.csv", "label")
    clinc_val = read_csv(args.data_dir / "clinc150" / "val.csv", "label")
    folds = 5
    if args.quick:
        banking, clinc_train, folds = subsample(*banking, 0.3), subsample(*clinc_train, 0.3), 3

    console = Console(stderr=True)
    results: dict[str, Any] = {"quick": args.quick, "pinned_cores": 1}
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=args.json) as progress:
        task = progress.add_task("Banking77 CV + holdout", total=folds + 1)
        results["banking77"] = bench_banking77(banking, folds, lambda: progress.advance(task))
        task = progress.add_task("CLINC150 fit, score, latency", total=3)
        results["clinc150"] = bench_clinc150(clinc_train, clinc_val, lambda: progress.advance(task))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    _print(results)


def _print(results: dict[str, Any]) -> None:
    out = Console()
    b = results["banking77"]
    h = b["holdout_80_20"]
    table = Table("Banking77 (train.csv)", "accuracy", "macro-F1", "ECE")
    table.add_row(
        f"{b['cv_folds']}-fold CV (± std {b['cv_accuracy_std']})",
        str(b["cv_accuracy"]),
        str(b["cv_macro_f1"]),
        str(b["cv_ece"]),
    )
    table.add_row("80/20 holdout", str(h["accuracy"]), str(h["macro_f1"]), str(h["ece"]))
    out.print(table)
    c = results["clinc150"]
    table = Table(
        "CLINC150 train → val",
        "accuracy",
        "macro-F1",
        "oos recall",
        "oos precision",
        "in-scope acc.",
    )
    for name, key in (
        (f"threshold {c['threshold']}", "tuned_threshold"),
        ("oos class only", "oos_class_only"),
    ):
        r = c[key]
        table.add_row(
            name,
            str(r["accuracy"]),
            str(r["macro_f1"]),
            str(r["oos_recall"]),
            str(r["oos_precision"]),
            str(r["in_scope_accuracy"]),
        )
    out.print(table)
    lat = c["latency"]
    out.print(
        f"predict_one latency over {lat['messages']} messages: p50 {lat['p50_ms']} ms, "
        f"p99 {lat['p99_ms']} ms (one core); CLINC150 fit incl. tuning "
        f"{c['fit_seconds_incl_tuning']} s; ECE of the top in-scope intent "
        f"{c['in_scope_top_intent_ece']}"
    )


if __name__ == "__main__":
    main()
