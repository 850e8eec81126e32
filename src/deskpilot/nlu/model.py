"""Training data and the default intent model: train once, cache, load.

The default model is trained from the project's own labelled data
(``nlu/data/train/*.csv``) on first use and cached under the model directory,
keyed by a hash of the data, so a change to the data retrains it automatically.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deskpilot.errors import InvalidInput

if TYPE_CHECKING:
    from deskpilot.nlu._classifier import IntentClassifier

TRAIN_DIR = Path(__file__).parent / "data" / "train"
# Part of the cache key: raise it whenever features change (nlu/text.py words, fold), since
# a cached model refers to those functions by name and would silently use the new ones.
MODEL_VERSION = "4"


def training_files(directory: Path = TRAIN_DIR) -> list[Path]:
    return sorted(directory.glob("*.csv"))


def read_labelled_csv(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV with a header row: text first, label second."""
    texts: list[str] = []
    labels: list[str] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or len(header) < 2:
                raise InvalidInput(f"{path}: needs a header row with at least two columns")
            for n, row in enumerate(reader, start=2):
                if len(row) < 2 or not row[0].strip() or not row[1].strip():
                    raise InvalidInput(f"{path}:{n}: expected text and label")
                texts.append(row[0].strip())
                labels.append(row[1].strip())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    if len(set(labels)) < 2:
        raise InvalidInput(f"{path}: needs at least two different labels")
    return texts, labels


def read_training_data(paths: list[Path]) -> tuple[list[str], list[str], list[str]]:
    """Texts, labels and the language of each (the file's stem) from several CSVs."""
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str] = []
    for path in paths:
        t, lab = read_labelled_csv(path)
        texts += t
        labels += lab
        langs += [path.stem] * len(t)
    return texts, labels, langs


def data_fingerprint(paths: list[Path]) -> str:
    h = hashlib.sha256(MODEL_VERSION.encode())
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def train(paths: list[Path], oos_label: str = "out_of_scope") -> IntentClassifier:
    from deskpilot.nlu._classifier import IntentClassifier

    texts, labels, _ = read_training_data(paths)
    return IntentClassifier(folds=3).fit(texts, labels, oos_label=oos_label)


def train_language_model(paths: list[Path]) -> IntentClassifier:
    """A classifier that tells the training files' languages apart (label = file stem)."""
    from deskpilot.nlu._classifier import IntentClassifier

    texts, _, langs = read_training_data(paths)
    return IntentClassifier(folds=2).fit(texts, langs, oos_label="", tune_threshold=False)


def _cached(model_root: Path, name: str, fit: Callable[[list[Path]], IntentClassifier]) -> Any:
    from deskpilot.nlu._classifier import IntentClassifier

    paths = training_files()
    target = model_root / f"{name}-{data_fingerprint(paths)}"
    if (target / "meta.json").exists():
        try:
            return IntentClassifier.load(target)
        except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never fatal
            pass
    clf = fit(paths)
    tmp = model_root / f".{target.name}.{os.getpid()}"
    clf.save(tmp)
    try:
        tmp.replace(target)  # atomic: a concurrent reader never sees half a model
    except OSError:  # another process got there first
        shutil.rmtree(tmp, ignore_errors=True)
    for old in model_root.glob(f"{name}-*"):  # models of earlier training data
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return clf


def load_default(model_root: Path) -> IntentClassifier:
    """The intent model trained on the project's data, from cache or trained now."""
    clf: IntentClassifier = _cached(model_root, "intent", train)
    return clf


def load_language_model(model_root: Path) -> IntentClassifier:
    """The language-identification model, from cache or trained now."""
    clf: IntentClassifier = _cached(model_root, "lang", train_language_model)
    return clf


def languages(directory: Path = TRAIN_DIR) -> tuple[str, ...]:
    """Languages the default model has training data for."""
    return tuple(p.stem for p in training_files(directory))
