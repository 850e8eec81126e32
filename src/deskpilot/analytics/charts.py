"""The dashboard's charts as SVG text: one registry shared by the web page and the report.

Every chart takes the whole :class:`Dashboard` and returns a standalone ``<svg>`` element
(no XML prologue, no external references) that can be served as ``image/svg+xml`` or
inlined into HTML. A period without data gives a chart that says so, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from deskpilot.analytics._chart_kit import (
    ASSISTANT,
    HUMAN,
    NEUTRAL,
    SEVERITY_COLOURS,
    as_svg,
    duration,
    figure,
    interval,
    label,
    no_data,
    pct,
    rate_bars,
    time_ticks,
    time_unit,
)
from deskpilot.analytics.schema import SEVERITIES, Dashboard, Quantiles, Side, Slice
from deskpilot.errors import NotFound

__all__ = ["CHARTS", "render"]

_MOST_SLICES = 30  # more bars than this stop being readable; the busiest are kept
_MOST_BARS = 72  # a longer series is drawn as stacked steps


def _volume(d: Dashboard) -> Figure:
    title = f"Conversations per {d.bucket}: resolved by the assistant or by people"
    points = d.series
    if not any(p.conversations for p in points):
        return no_data(title)
    fig = figure(height=3.2, width=10)  # the one chart that spans the page
    ax = fig.add_subplot()
    x = list(range(len(points)))
    layers = [
        ("assistant", ASSISTANT, [p.automated for p in points]),
        ("human", HUMAN, [p.human for p in points]),
        (
            "open or never claimed",
            NEUTRAL,
            [max(p.conversations - p.automated - p.human, 0) for p in points],
        ),
    ]
    layers = [layer for layer in layers if any(layer[2])] or layers[:1]
    if len(points) <= _MOST_BARS:
        bottom = [0] * len(points)
        for name, colour, counts in layers:
            ax.bar(x, counts, bottom=bottom, color=colour, label=name, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    else:  # hundreds of bars would make a heavy SVG: stacked steps say the same
        ax.stackplot(
            x,
            *[c for _, _, c in layers],
            colors=[c for _, c, _ in layers],
            labels=[n for n, _, _ in layers],
            step="mid",  # flat across each bucket, like bars without gaps
        )
        ax.set_xlim(-0.5, len(points) - 0.5)
    positions, names, axis_label = time_ticks([p.start for p in points], d.bucket)
    ax.set_xticks(
        positions,
        labels=names,
        rotation=0 if len(names[0]) <= 6 else 25,
        ha="center" if len(names[0]) <= 6 else "right",
    )
    ax.set_xlabel(axis_label)
    ax.set_ylabel("conversations")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#e3e6ee")
    ax.set_ylim(0, max(p.conversations for p in points) * 1.2)  # room for the legend
    ax.legend(loc="upper left", frameon=False, ncols=3)
    ax.set_title(title)
    return fig


def _automation_by(slices: Sequence[Slice], d: Dashboard, dimension: str) -> Figure:
    title = f"Automation rate by {dimension} (95 % interval)"
    ended = [s for s in slices if s.automation.total > 0]
    if not ended:
        return no_data(title)
    busiest = sorted(ended, key=lambda s: (-s.automation.total, s.key))[:_MOST_SLICES]
    rows = sorted(busiest, key=lambda s: (-(s.automation.rate or 0.0), s.key))
    fig = figure(height=1.1 + 0.26 * len(rows))
    ax = fig.add_subplot()
    rate_bars(ax, [s.key for s in rows], [s.automation for s in rows], ASSISTANT)
    if d.automation.rate is not None:
        ax.axvline(
            d.automation.rate,
            color="#1b1f29",
            ls="--",
            lw=1,
            label=f"all: {pct(d.automation.rate)}",
        )
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlabel("ended without a person, of ended conversations")
    shown = "" if len(rows) == len(ended) else f" ({len(rows)} busiest of {len(ended)})"
    ax.set_title(title + shown, parse_math=False)
    return fig


def _automation_by_language(d: Dashboard) -> Figure:
    return _automation_by(d.by_language, d, "language")


def _automation_by_market(d: Dashboard) -> Figure:
    return _automation_by(d.by_market, d, "market")


def _automation_by_intent(d: Dashboard) -> Figure:
    return _automation_by(d.by_intent, d, "intent")


def _automation_by_channel(d: Dashboard) -> Figure:
    return _automation_by(d.by_channel, d, "channel")


def _time_panel(ax_title: str, fig: Figure, index: int, pairs: Sequence[Quantiles]) -> None:
    """Median and p90 of one duration, assistant (pairs[0]) beside human (pairs[1])."""
    ax = fig.add_subplot(1, 2, index)
    values = [q.median for q in pairs] + [q.p90 for q in pairs]
    scale, unit = time_unit(values)
    for offset, (side, colour, q) in enumerate(
        zip(("assistant", "human"), (ASSISTANT, HUMAN), pairs, strict=True)
    ):
        heights = [(v or 0.0) / scale for v in (q.median, q.p90)]
        bars = ax.bar(
            [i + (offset - 0.5) * 0.38 for i in range(2)],
            heights,
            width=0.38,
            color=colour,
            label=f"{side} (n={q.n:,})",
        )
        texts = [duration(v) for v in (q.median, q.p90)]
        ax.bar_label(bars, labels=texts, fontsize=8, padding=2)
    ax.set_xticks([0, 1], labels=["median", "90th percentile"])
    ax.set_ylabel(unit)
    ax.margins(y=0.15)
    ax.grid(axis="y", color="#e3e6ee")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(ax_title)


def _resolution(d: Dashboard) -> Figure:
    title = "Resolution and first-response time"
    a, h = d.assistant, d.human
    if not (
        a.resolution_seconds.n
        or h.resolution_seconds.n
        or a.first_response_seconds.n
        or h.first_response_seconds.n
    ):
        return no_data(title)
    fig = figure(height=3.4)
    _time_panel("Resolution: start to end", fig, 1, (a.resolution_seconds, h.resolution_seconds))
    _time_panel("First response", fig, 2, (a.first_response_seconds, h.first_response_seconds))
    fig.suptitle(title)
    return fig


def _csat_mean(side: Side) -> str:
    c = side.csat
    if c.mean is None:
        return "n/a"
    ci = f"\n{c.low:.2f}–{c.high:.2f}" if c.low is not None and c.high is not None else ""
    return f"{c.mean:.2f}{ci}"


def _csat(d: Dashboard) -> Figure:
    title = "Customer satisfaction (1–5)"
    sides = (d.assistant, d.human)
    if not any(s.csat.n for s in sides):
        return no_data(title)
    fig = figure(height=3.3)
    grid = fig.add_gridspec(1, 3)
    dist = fig.add_subplot(grid[0, :2])
    for offset, (side, colour) in enumerate(zip(sides, (ASSISTANT, HUMAN), strict=True)):
        total = sum(side.csat.distribution.values())
        shares = [side.csat.distribution.get(k, 0) / total if total else 0.0 for k in range(1, 6)]
        dist.bar(
            [k + (offset - 0.5) * 0.38 for k in range(1, 6)],
            shares,
            width=0.38,
            color=colour,
            label=f"{side.handled_by} ({total:,} ratings)",
        )
    dist.set_xticks(range(1, 6), labels=["1", "2", "3", "4", "5"])
    dist.set_xlabel("score")
    dist.set_ylabel("share of ratings")
    dist.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    dist.grid(axis="y", color="#e3e6ee")
    dist.legend(frameon=False, fontsize=8, loc="upper left")
    means = fig.add_subplot(grid[0, 2])
    for i, (side, colour) in enumerate(zip(sides, (ASSISTANT, HUMAN), strict=True)):
        c = side.csat
        if c.mean is None:
            continue
        err = [[c.mean - (c.low or c.mean)], [(c.high or c.mean) - c.mean]]
        means.errorbar([i], [c.mean], yerr=err, fmt="o", color=colour, capsize=4, ms=7)
        means.annotate(
            _csat_mean(side),
            (i, c.low or c.mean),
            xytext=(0, -6),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=8,
        )
    means.set_xticks([0, 1], labels=["assistant", "human"])
    means.set_xlim(-0.6, 1.6)
    means.set_ylim(1, 5.2)
    means.set_title("mean score, 95 % interval")
    means.grid(axis="y", color="#e3e6ee")
    fig.suptitle(title)
    return fig


def _repeat_contacts(d: Dashboard) -> Figure:
    title = "Repeat contact within 7 days (same customer and topic)"
    rates = [d.assistant.repeat_contacts, d.human.repeat_contacts]
    if not any(r.total for r in rates):
        return no_data(title)
    fig = figure(height=2.2)
    ax = fig.add_subplot()
    rate_bars(ax, ["assistant", "human"], rates, [ASSISTANT, HUMAN], full_scale=False)
    ax.set_xlabel("conversations followed by another contact, of ended conversations")
    ax.set_title(f"{title}\nassistant {interval(rates[0])} · human {interval(rates[1])}")
    return fig


def _quality(d: Dashboard) -> Figure:
    title = "Review findings: severity of errors"
    sides = (d.assistant, d.human)
    if not any(s.quality.reviewed for s in sides):
        return no_data(title)
    fig = figure(height=2.5)
    ax = fig.add_subplot()
    rows = [1, 0]  # assistant on top
    left = [0.0, 0.0]
    for sev in SEVERITIES:
        shares = [
            s.quality.severity.get(sev, 0) / s.quality.reviewed if s.quality.reviewed else 0.0
            for s in sides
        ]
        ax.barh(rows, shares, left=left, color=SEVERITY_COLOURS[sev], label=sev, height=0.6)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    names = [f"{s.handled_by}\n({s.quality.reviewed:,} reviewed)" for s in sides]
    ax.set_yticks(rows, labels=names)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of reviewed conversations")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=4, frameon=False)
    ax.set_title(
        f"{title}\nWith an error: assistant {interval(d.assistant.quality.error_rate)}"
        f" · human {interval(d.human.quality.error_rate)}"
    )
    return fig


def _handoff_reasons(d: Dashboard) -> Figure:
    title = "Why conversations were handed to a person"
    reasons = sorted(
        ((k, n) for k, n in d.handoff_reasons.items() if n > 0), key=lambda kv: (-kv[1], kv[0])
    )[:_MOST_SLICES]
    if not reasons:
        return no_data(title)
    fig = figure(height=1.1 + 0.26 * len(reasons))
    ax = fig.add_subplot()
    y = list(range(len(reasons)))[::-1]
    bars = ax.barh(y, [n for _, n in reasons], color=HUMAN, height=0.65)
    ax.bar_label(bars, labels=[f"{n:,}" for _, n in reasons], fontsize=8, padding=2)
    ax.set_yticks(y, labels=[label(k, 40) for k, _ in reasons], parse_math=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.12)
    ax.set_xlabel("handoffs")
    ax.grid(axis="x", color="#e3e6ee")
    ax.set_title(f"{title} ({sum(n for _, n in reasons):,} handoffs)")
    return fig


CHARTS: dict[str, Callable[[Dashboard], str]] = {
    "volume": as_svg(_volume),
    "automation_by_language": as_svg(_automation_by_language),
    "automation_by_market": as_svg(_automation_by_market),
    "by_intent": as_svg(_automation_by_intent),
    "automation_by_channel": as_svg(_automation_by_channel),
    "resolution": as_svg(_resolution),
    "csat": as_svg(_csat),
    "repeat_contacts": as_svg(_repeat_contacts),
    "quality": as_svg(_quality),
    "handoff_reasons": as_svg(_handoff_reasons),
}


def render(name: str, dashboard: Dashboard) -> str:
    """One chart by name as SVG text; :class:`NotFound` for a name not in :data:`CHARTS`."""
    chart = CHARTS.get(name)
    if chart is None:
        raise NotFound(f"no chart named {name!r}; charts: {', '.join(CHARTS)}")
    return chart(dashboard)
