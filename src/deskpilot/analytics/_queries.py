"""The SQL behind the dashboard: a few grouped scans over conversations and reviews.

Every query groups by a dimension key ("all", or a language, market, intent or
channel) and by who handled the conversation (assistant, human, unattended, or
"open" while it runs), so one pass serves the totals, both sides and a breakdown.
Percentiles use PostgreSQL's percentile_cont; SQLite (small installs) sorts in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, case, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from deskpilot.analytics import _stats
from deskpilot.analytics.schema import Filters
from deskpilot.db import models as m

C = m.ConversationFacts
NONE_KEY = "(none)"
DIMENSIONS: dict[str, Any] = {
    "language": C.language,
    "market": C.market,
    "intent": C.intent,
    "channel": C.channel,
}
Key = tuple[str, str]  # (dimension value, handled_by)


@dataclass
class Agg:
    """Sums for one (key, handled_by) group (fields missing from a query stay 0)."""

    n: int = 0
    ended: int = 0
    repeat: int = 0
    handoff: int = 0
    csat_n: int = 0
    csat_sum: float = 0.0
    csat_sq: float = 0.0
    csat_1: int = 0
    csat_2: int = 0
    csat_3: int = 0
    csat_4: int = 0
    csat_5: int = 0
    handling_n: int = 0
    handling_sum: float = 0.0
    res_n: int = 0
    res_sum: float = 0.0
    llm_n: int = 0  # conversations that used the language model
    llm_tokens: int = 0
    llm_cost: float = 0.0

    @property
    def csat_hist(self) -> list[int]:
        return [self.csat_1, self.csat_2, self.csat_3, self.csat_4, self.csat_5]


def merged(aggs: Iterable[Agg]) -> Agg:
    """The sums of several groups added up, field by field."""
    out = Agg()
    for a in aggs:
        for name in Agg.__dataclass_fields__:
            setattr(out, name, getattr(out, name) + getattr(a, name))
    return out


def where(f: Filters) -> list[ColumnElement[bool]]:
    clauses = [C.started_at >= f.start, C.started_at < f.end]
    for column, value in (
        (C.language, f.language),
        (C.market, f.market),
        (C.intent, f.intent),
        (C.channel, f.channel),
    ):
        if value:
            clauses.append(column == value)
    return clauses


def _key(dimension: str | None) -> Any:
    if dimension is None:
        return literal("all")
    return func.coalesce(DIMENSIONS[dimension], NONE_KEY)


HANDLED = func.coalesce(C.handled_by, "open")


def _total(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


SLICE_FIELDS = ("n", "ended", "repeat", "handoff", "csat_n", "csat_sum", "res_n", "res_sum")


def agg_columns(fields: tuple[str, ...] | None = None) -> list[Any]:
    """The sums a group carries, labelled by Agg field (all fields by default)."""
    score = C.csat_score
    columns: dict[str, Any] = {
        "n": func.count(),
        "ended": func.count(C.ended_at),
        "repeat": _total(C.repeat_contact.is_(True)),
        "handoff": _total(C.handoff_at.is_not(None)),
        "csat_n": func.count(score),
        "csat_sum": func.sum(score),
        "csat_sq": func.sum(score * score),
        **{f"csat_{k}": _total(score == k) for k in range(1, 6)},
        "handling_n": func.count(C.handling_seconds),
        "handling_sum": func.sum(C.handling_seconds),
        "res_n": func.count(C.resolution_seconds),
        "res_sum": func.sum(C.resolution_seconds),
        "llm_n": _total(C.llm_tokens > 0),
        "llm_tokens": func.sum(C.llm_tokens),
        "llm_cost": func.sum(C.llm_cost),
    }
    return [columns[f].label(f"agg_{f}") for f in fields or columns]


_FLOAT_FIELDS = {"csat_sum", "csat_sq", "handling_sum", "res_sum", "llm_cost"}


def agg_from(row: Any) -> Agg:
    agg = Agg()
    for key, value in row._mapping.items():
        if isinstance(key, str) and key.startswith("agg_"):
            name = key.removeprefix("agg_")
            setattr(agg, name, float(value or 0) if name in _FLOAT_FIELDS else int(value or 0))
    return agg


def aggregates(s: Session, clauses: list[Any], dimension: str | None) -> dict[Key, Agg]:
    key = _key(dimension)
    query = select(key, HANDLED, *agg_columns()).where(*clauses).group_by(key, HANDLED)
    return {(str(row[0]), str(row[1])): agg_from(row) for row in s.execute(query)}


def severities(s: Session, clauses: list[Any], dimension: str | None) -> dict[Key, Counter[str]]:
    """Reviews of the filtered conversations: severity counts per group."""
    key = _key(dimension)
    query = (
        select(key, HANDLED, m.Review.severity, func.count())
        .select_from(m.Review)
        .join(C, m.Review.conversation_id == C.conversation_id)
        .where(*clauses)
        .group_by(key, HANDLED, m.Review.severity)
    )
    out: dict[Key, Counter[str]] = defaultdict(Counter)
    for k, handled, severity, count in s.execute(query):
        out[(str(k), str(handled))][str(severity)] += int(count)
    return out


Quant = tuple[int, float | None, float | None, float | None]  # n, median, p90, mean


def quantiles(
    s: Session, dialect: str, clauses: list[Any], dimension: str | None, value: Any
) -> dict[Key, Quant]:
    """n, median, p90 and mean of ``value`` per group (rows where it is known)."""
    key = _key(dimension)
    clauses = [*clauses, value.is_not(None)]
    if dialect == "postgresql":
        query = (
            select(
                key,
                HANDLED,
                func.count(value),
                func.percentile_cont(0.5).within_group(value),
                func.percentile_cont(0.9).within_group(value),
                func.avg(value),
            )
            .where(*clauses)
            .group_by(key, HANDLED)
        )
        return {
            (str(k), str(h)): (int(n), _f(med), _f(p90), _f(mean))
            for k, h, n, med, p90, mean in s.execute(query)
        }
    grouped: dict[Key, list[float]] = defaultdict(list)
    query = select(key, HANDLED, value).where(*clauses).order_by(key, HANDLED, value)
    for k, h, x in s.execute(query):
        grouped[(str(k), str(h))].append(float(x))
    return {
        g: (
            len(xs),
            _stats.percentile(xs, 0.5),
            _stats.percentile(xs, 0.9),
            sum(xs) / len(xs),
        )
        for g, xs in grouped.items()
    }


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


_SQLITE_PREFIX = {"minute": 16, "hour": 13, "day": 10}


def series(
    s: Session, dialect: str, clauses: list[Any], unit: str
) -> list[tuple[datetime, str, int, float, int]]:
    """(bucket start, handled_by, conversations, csat sum, csat count) per time bucket."""
    if dialect == "postgresql":
        bucket: Any = func.date_trunc(unit, func.timezone("UTC", C.started_at))
    else:
        bucket = type_coerce(func.substr(C.started_at, 1, _SQLITE_PREFIX[unit]), String)
    query = (
        select(bucket, HANDLED, func.count(), func.sum(C.csat_score), func.count(C.csat_score))
        .where(*clauses)
        .group_by(bucket, HANDLED)
    )
    return [
        (bucket_start(b), str(h), int(n), float(total or 0), int(rated))
        for b, h, n, total, rated in s.execute(query)
    ]


def bucket_start(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    text = str(value)
    if len(text) == 13:  # "YYYY-MM-DD HH"
        text += ":00"
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def handoff_reasons(s: Session, clauses: list[Any]) -> dict[str, int]:
    reason = func.coalesce(C.first_handoff_reason, NONE_KEY)
    query = (
        select(reason, func.count())
        .where(*clauses, C.handoff_at.is_not(None))
        .group_by(reason)
        .order_by(func.count().desc())
    )
    return {str(r): int(n) for r, n in s.execute(query)}
