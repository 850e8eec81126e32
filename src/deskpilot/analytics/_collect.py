"""Gathering the dashboard's raw figures: portable queries, or PostgreSQL's fast path.

Both return the same ``Raw``. The portable path runs one grouped query per dimension
(fine for SQLite-sized data). On PostgreSQL, all counts come from one scan with
GROUPING SETS, and the four independent queries (counts, percentiles by side, medians
by slice, reviews) run at once on separate connections, so both cores work.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Float, func, select, text, tuple_
from sqlalchemy.orm import Session

from deskpilot.analytics import _queries as Q
from deskpilot.db import Database

C = Q.C
DIMS: tuple[str | None, ...] = (None, "language", "market", "intent", "channel")
SIDE_VALUES = ("resolution", "first", "human_first", "handling")
SLICE_DIMS = ("language", "market", "intent")  # channel comes with the totals


@dataclass
class Raw:
    agg: dict[str | None, dict[Q.Key, Q.Agg]]
    sev: dict[str | None, dict[Q.Key, Counter[str]]]
    side: dict[str, dict[Q.Key, Q.Quant]]  # SIDE_VALUES, for the "all" key only
    points: list[tuple[datetime, str, int, float, int]]
    reasons: dict[str, int]


def _side_columns() -> dict[str, Any]:
    return {
        "resolution": C.resolution_seconds,
        "first": C.first_response_seconds,
        "human_first": C.human_first_response_seconds,
        "handling": C.handling_seconds,
    }


def collect(db: Database, clauses: list[Any], unit: str) -> Raw:
    if db.dialect == "postgresql":
        return _collect_postgresql(db, clauses, unit)
    with db.session() as s:
        side = {
            name: Q.quantiles(s, db.dialect, clauses, None, column)
            for name, column in _side_columns().items()
        }
        return Raw(
            agg={d: Q.aggregates(s, clauses, d) for d in DIMS},
            sev={d: Q.severities(s, clauses, d) for d in DIMS},
            side=side,
            points=Q.series(s, db.dialect, clauses, unit),
            reasons=Q.handoff_reasons(s, clauses),
        )


# -- PostgreSQL -----------------------------------------------------------------------------
def _collect_postgresql(db: Database, clauses: list[Any], unit: str) -> Raw:
    def run(work: Any) -> Any:
        with db.session() as s:
            # JIT compiling these expressions costs more than it saves (measured: ~1.4 s).
            s.execute(text("SET LOCAL jit = off"))
            s.execute(text("SET LOCAL work_mem = '128MB'"))
            return work(s)

    with ThreadPoolExecutor(max_workers=6) as pool:
        channels = pool.submit(run, lambda s: _by_channel(s, clauses))
        slices = pool.submit(run, lambda s: _slices(s, clauses))
        series = pool.submit(run, lambda s: _series_and_reasons(s, clauses, unit))
        bot = pool.submit(run, lambda s: _side_quantiles(s, clauses, "assistant"))
        people = pool.submit(run, lambda s: _side_quantiles(s, clauses, "human"))
        reviews = pool.submit(run, lambda s: _severities(s, clauses))
        agg = slices.result() | channels.result()
        points, reasons = series.result()
        side: dict[str, dict[Q.Key, Q.Quant]] = {name: {} for name in SIDE_VALUES}
        for part in (bot.result(), people.result()):
            for name, values in part.items():
                side[name].update(values)
        return Raw(agg, reviews.result(), side, points, reasons)


def _dimension_columns() -> list[Any]:
    return [Q.DIMENSIONS[d] for d in DIMS if d is not None]


def _set_of(mask: int, width: int) -> int | None:
    """Which single column a GROUPING() bitmask leaves in (its index), or None for none."""
    present = [i for i in range(width) if not mask & (1 << (width - 1 - i))]
    return present[0] if present else None


Point = tuple[datetime, str, int, float, int]  # bucket, handled_by, n, csat sum, rated


def _by_channel(s: Session, clauses: list[Any]) -> dict[str | None, dict[Q.Key, Q.Agg]]:
    """Every sum by channel and side (a plain, parallel GROUP BY); every conversation has
    one channel, so the totals are these rows added up, without another scan."""
    channel = Q.DIMENSIONS["channel"]
    query = (
        select(channel, Q.HANDLED, *Q.agg_columns()).where(*clauses).group_by(channel, Q.HANDLED)
    )
    by_channel = {(str(row[0]), str(row[1])): Q.agg_from(row) for row in s.execute(query)}
    sides = {handled for _, handled in by_channel}
    totals = {
        ("all", h): Q.merged(a for (_, handled), a in by_channel.items() if handled == h)
        for h in sides
    }
    return {None: totals, "channel": by_channel}


def _slices(s: Session, clauses: list[Any]) -> dict[str | None, dict[Q.Key, Q.Agg]]:
    """The sums a breakdown row needs, for language, market and intent, in one scan."""
    columns = [Q.DIMENSIONS[d] for d in SLICE_DIMS]
    query = (
        select(func.grouping(*columns), *columns, Q.HANDLED, *Q.agg_columns(Q.SLICE_FIELDS))
        .where(*clauses)
        .group_by(func.grouping_sets(*[tuple_(c, Q.HANDLED) for c in columns]))
    )
    out: dict[str | None, dict[Q.Key, Q.Agg]] = {d: {} for d in SLICE_DIMS}
    for row in s.execute(query):
        which = _set_of(int(row[0]), len(columns))
        if which is None:
            continue
        key = row[1 + which]
        handled = str(row[1 + len(columns)])
        out[SLICE_DIMS[which]][(Q.NONE_KEY if key is None else str(key), handled)] = Q.agg_from(row)
    return out


def _series_and_reasons(
    s: Session, clauses: list[Any], unit: str
) -> tuple[list[Point], dict[str, int]]:
    """Two plain GROUP BYs (hash aggregates; grouping sets would sort the whole period)."""
    points = Q.series(s, "postgresql", clauses, unit)
    return points, Q.handoff_reasons(s, clauses)


# The times each side shows (the others are never read, so never sorted).
_SIDE_TIMES = {
    "assistant": ("resolution", "first"),
    "human": ("resolution", "human_first", "handling"),
}


def _side_quantiles(s: Session, clauses: list[Any], side: str) -> dict[str, dict[Q.Key, Q.Quant]]:
    """Median and p90 of one side's times (exact; one query per side, so no sort by side)."""
    columns = {name: _side_columns()[name] for name in _SIDE_TIMES[side]}
    parts: list[Any] = []
    for column in columns.values():
        parts += [
            func.count(column),
            func.percentile_cont(_fractions()).within_group(column),
            func.avg(column),
        ]
    row = s.execute(select(*parts).where(*clauses, C.handled_by == side)).one()
    out: dict[str, dict[Q.Key, Q.Quant]] = {}
    for i, name in enumerate(columns):
        n, qs, mean = row[3 * i : 3 + 3 * i]
        out[name] = {("all", side): (int(n), qs[0], qs[1], float(mean))} if n else {}
    return out


def _fractions() -> Any:
    from sqlalchemy.dialects.postgresql import array

    return array([0.5, 0.9], type_=ARRAY(Float))


def _severities(s: Session, clauses: list[Any]) -> dict[str | None, dict[Q.Key, Counter[str]]]:
    from deskpilot.db import models as m

    columns = _dimension_columns()
    query = (
        select(func.grouping(*columns), *columns, Q.HANDLED, m.Review.severity, func.count())
        .select_from(m.Review)
        .join(C, m.Review.conversation_id == C.conversation_id)
        .where(*clauses)
        .group_by(
            func.grouping_sets(
                tuple_(Q.HANDLED, m.Review.severity),
                *[tuple_(c, Q.HANDLED, m.Review.severity) for c in columns],
            )
        )
    )
    out: dict[str | None, dict[Q.Key, Counter[str]]] = {d: {} for d in DIMS}
    for row in s.execute(query):
        which = _set_of(int(row[0]), len(columns))
        dim = None if which is None else DIMS[which + 1]
        key = "all" if which is None else row[1 + which]
        key = Q.NONE_KEY if key is None else str(key)
        handled, severity, count = str(row[-3]), str(row[-2]), int(row[-1])
        out[dim].setdefault((key, handled), Counter())[severity] += count
    return out
