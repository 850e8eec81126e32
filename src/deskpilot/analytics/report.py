"""The HTML report: one self-contained file with the headline, every chart and every table.

Nothing in it points outside the file (inline CSS, inline SVG, no scripts), so it can be
mailed or archived and still opens the same way. Every value that comes from data
(intent names, alert messages, table cells) is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape

from deskpilot.analytics.charts import CHARTS
from deskpilot.analytics.schema import Dashboard, Rate, Side

__all__ = ["render_report"]

Table = Sequence[Mapping[str, object]]
_LONG_TABLE = 40  # rows; longer tables start folded

_CSS = """
:root { --brand: #1f3b73; --bg: #f5f6fa; --line: #dde1ea; --muted: #5b6478; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  background: var(--bg); color: #1b1f29; }
header { background: var(--brand); color: #fff; padding: 16px 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .9; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h2 { font-size: 18px; margin: 32px 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
.tile { background: #fff; border-radius: 12px; padding: 12px 16px; }
.tile h3 { margin: 0 0 4px; font-size: 13px; color: var(--muted); font-weight: 600; }
.tile .big { font-size: 24px; font-weight: 700; }
.tile .small { font-size: 13px; color: var(--muted); }
.alerts { background: #fde8e4; border: 1px solid #d55e00; border-radius: 12px; padding: 8px 16px; }
.alerts.none { background: #e6f6ea; border-color: #009e73; }
figure.chart { background: #fff; border-radius: 12px; padding: 12px; margin: 0 0 16px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.table-wrap { overflow-x: auto; background: #fff; border-radius: 12px; margin-bottom: 16px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 8px 12px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin-bottom: 16px; }
summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
dl { background: #fff; border-radius: 12px; padding: 12px 16px; }
dt { font-weight: 600; margin-top: 8px; }
dd { margin: 0 0 0 16px; color: #33394a; }
"""


def render_report(dashboard: Dashboard, tables: Mapping[str, Table]) -> str:
    """The whole report as one HTML document."""
    d = dashboard
    title = f"DeskPilot report {_period(d)}"
    body = "\n".join(
        [
            _header(d),
            "<main>",
            _alerts(d),
            _headline(d),
            "<h2>Charts</h2>",
            *(_chart(name, chart(d)) for name, chart in CHARTS.items()),
            "<h2>Tables</h2>",
            *(_table(name, rows) for name, rows in tables.items()),
            _definitions(d),
            "</main>",
        ]
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _period(d: Dashboard) -> str:
    return f"{_when(d.filters.start)} to {_when(d.filters.end)}"


def _header(d: Dashboard) -> str:
    f = d.filters
    chosen = [
        f"{name} {value}"
        for name, value in (
            ("language", f.language),
            ("market", f.market),
            ("intent", f.intent),
            ("channel", f.channel),
        )
        if value
    ]
    scope = "; ".join(chosen) if chosen else "all languages, markets, intents and channels"
    return (
        "<header><h1>Customer service report</h1>"
        f"<p>Conversations started from {escape(_when(f.start))} up to (not including) "
        f"{escape(_when(f.end))}. Filters: {escape(scope)}.</p>"
        f"<p>Generated {escape(_when(d.generated_at))}; grouped per {escape(d.bucket)}.</p>"
        "</header>"
    )


def _alerts(d: Dashboard) -> str:
    if not d.alerts:
        return (
            '<section class="alerts none" id="alerts"><p>No alerts: on reviewed conversations '
            "the assistant does no worse than people in any intent or language.</p></section>"
        )
    items = "".join(
        f"<li><b>{escape(a.dimension)} {escape(a.key)}</b>: {escape(a.message)}</li>"
        for a in d.alerts
    )
    return f'<section class="alerts" id="alerts"><h2>Alerts</h2><ul>{items}</ul></section>'


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f} %"


def _rate(r: Rate) -> str:
    if r.rate is None:
        return "n/a"
    ci = f"95 % interval {_pct(r.low)}–{_pct(r.high)}; " if r.low is not None else ""
    return f"{ci}{r.count:,} of {r.total:,}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _csat(side: Side) -> str:
    c = side.csat
    if c.mean is None:
        return "n/a"
    ci = f" ({c.low:.2f}–{c.high:.2f})" if c.low is not None and c.high is not None else ""
    return f"{c.mean:.2f}{ci}"


def _tile(title: str, big: str, small: str) -> str:
    return (
        f'<div class="tile"><h3>{escape(title)}</h3><div class="big">{escape(big)}</div>'
        f'<div class="small">{escape(small)}</div></div>'
    )


def _headline(d: Dashboard) -> str:
    a, h, w = d.assistant, d.human, d.workload
    money = f"{w.saved:,.0f} {w.currency}"
    tiles = [
        _tile("Conversations", f"{d.conversations:,}", f"{d.ended:,} ended, {d.open:,} open"),
        _tile("Automation rate", _pct(d.automation.rate), _rate(d.automation)),
        _tile("Handoff rate", _pct(d.handoff.rate), f"{d.unattended:,} never claimed"),
        _tile("CSAT assistant", _csat(a), f"{a.csat.n:,} ratings (1–5)"),
        _tile("CSAT human", _csat(h), f"{h.csat.n:,} ratings (1–5)"),
        _tile("Repeat contact, assistant", _pct(a.repeat_contacts.rate), _rate(a.repeat_contacts)),
        _tile("Repeat contact, human", _pct(h.repeat_contacts.rate), _rate(h.repeat_contacts)),
        _tile(
            "Median resolution",
            f"{_duration(a.resolution_seconds.median)} / {_duration(h.resolution_seconds.median)}",
            "assistant / human",
        ),
        _tile(
            "FTE saved",
            "n/a" if w.fte is None else f"{w.fte:.{2 if w.fte < 1 else 1}f}",
            "n/a" if w.hours_saved is None else f"{w.hours_saved:,.1f} agent hours",
        ),
        _tile(
            "Cost saved",
            money,
            f"budget {w.budget:,.0f}, actual {w.actual:,.0f} {w.currency}",
        ),
    ]
    for side in (a, h):
        q = side.quality
        score = "n/a" if q.severity_score is None else f"{q.severity_score:.2f}"
        tiles.append(
            _tile(
                f"Error rate, {side.handled_by}",
                _pct(q.error_rate.rate),
                f"severity score {score} (0–3); {_rate(q.error_rate)} reviewed",
            )
        )
    return f'<h2>Headline</h2><section class="tiles">{"".join(tiles)}</section>'


def _chart(name: str, svg: str) -> str:
    # The SVG comes from matplotlib, which escapes every text it draws.
    return f'<figure class="chart" data-chart="{escape(name)}">{svg}</figure>'


def _cell(value: object) -> tuple[str, bool]:
    """A table value as text, and whether it is a number (right-aligned)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip("."), True
    if isinstance(value, datetime):
        return value.isoformat(), False
    return str(value), False


def _columns(rows: Iterable[Mapping[str, object]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _table(name: str, rows: Table) -> str:
    columns = _columns(rows)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            text, numeric = _cell(row.get(c))
            cells.append(
                f'<td class="num">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"
            )
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{max(len(columns), 1)}">No rows in this period</td></tr>')
    title = escape(name.replace("_", " "))
    table = (
        f'<div class="table-wrap"><table data-table="{escape(name)}">'
        f"<caption>{title}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    if len(rows) <= _LONG_TABLE:
        return table
    # A long table (a week by hour) folds away so the report still reads top to bottom.
    return f"<details><summary>{title} ({len(rows):,} rows)</summary>{table}</details>"


# What each figure means, as analytics/metrics.py and schema.py compute it.
_TERMS: tuple[tuple[str, str], ...] = (
    (
        "Conversations",
        "Conversations that started in the period and match the filters; a conversation's "
        "intent is its last understood topic, its market the customer's country.",
    ),
    (
        "Automation rate",
        "Ended conversations for which no person was asked, of all ended conversations.",
    ),
    (
        "Handoff rate",
        "Ended conversations in which a person was asked for, of all ended. Never claimed: "
        "a person was asked for but the conversation ended before any agent claimed it.",
    ),
    (
        "95 % interval",
        "Shares carry a 95 % Wilson score interval, means a 95 % confidence interval. A wide "
        "interval means few conversations: read it before comparing two figures.",
    ),
    (
        "Resolution time",
        "From the start of a conversation to its end; median and 90th percentile of ended "
        "conversations.",
    ),
    (
        "First response",
        "From the customer's first message (assistant) or from the handoff (human) to the "
        "first answer from whoever handles it.",
    ),
    (
        "CSAT",
        "Customer ratings from 1 to 5 given at the end of a conversation: mean with its 95 % "
        "interval, the distribution, and the share satisfied (4 or 5).",
    ),
    (
        "Repeat contact",
        "The same customer came back about the same intent or order within 7 days after the "
        "conversation ended: a sign that the first answer did not solve the problem.",
    ),
    (
        "Error rate and severity",
        "From supervisors' reviews of sampled conversations: the share of reviewed "
        "conversations with an error (severity other than none), and the mean severity with "
        "none = 0, minor = 1, major = 2, critical = 3.",
    ),
    (
        "Alerts",
        "An intent or language in which, on reviewed conversations, the assistant's error rate "
        "or mean severity is worse than people's beyond chance (one-sided 95 %, at least 5 "
        "reviews on each side).",
    ),
)


def _definitions(d: Dashboard) -> str:
    w = d.workload
    workload = (
        (
            "FTE saved",
            "Agent hours saved (conversations the assistant resolved, at the measured average "
            "human handling time from claim to close) divided by "
            f"{w.productive_hours_per_agent_month:g} productive hours per agent-month times "
            f"the {w.period_months:.2f} months in the period.",
        ),
        (
            "Cost saved",
            "Budget: every ended conversation handled by a person, at "
            f"{w.cost_per_human_contact:g} {w.currency} each. Actual: conversations that "
            f"needed a person (claimed or not) at {w.cost_per_human_contact:g}, plus those the "
            f"assistant resolved at {w.cost_per_assistant_conversation:g} {w.currency}. "
            "Saved = budget − actual.",
        ),
    )
    items = "".join(
        f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in (*_TERMS, *workload)
    )
    return f"<h2>How each figure is computed</h2><dl>{items}</dl>"
