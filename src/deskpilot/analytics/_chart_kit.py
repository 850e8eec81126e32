"""Drawing helpers shared by the charts: one lock, one style, figures to small SVG text.

Charts are drawn on :class:`matplotlib.figure.Figure` objects with an explicit Agg
canvas, never through pyplot, so no figure is ever registered globally. matplotlib's
``rcParams`` are still process-wide, and text picks them up when it is created, so a
chart is built and saved under one lock with the style applied for exactly that time:
two web requests rendering at once cannot see each other's half-applied settings.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from deskpilot.analytics.schema import Dashboard, Rate

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

ASSISTANT = "#0072B2"  # Okabe-Ito blue and orange: told apart by colour-blind readers too
HUMAN = "#E69F00"
NEUTRAL = "#8a93a6"
SEVERITY_COLOURS = {
    "none": "#009E73",
    "minor": "#F0E442",
    "major": "#E69F00",
    "critical": "#D55E00",
}
NO_DATA = "No data in this period"
WIDTH = 7.5  # inches; at 72 pt per inch the SVGs are 540 pt wide

_STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same look everywhere
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "svg.fonttype": "none",  # text stays text: smaller files, selectable, searchable
    "svg.hashsalt": "deskpilot",  # the same dashboard gives byte-identical SVG
}
_LOCK = threading.RLock()
_PROLOGUE = re.compile(r"\A.*?(?=<svg[\s>])", re.DOTALL)
# Geometry attributes only (never text): matplotlib writes six decimals where a tenth
# of a point is already invisible; rounding shrinks long series by a third.
_GEOMETRY = re.compile(r'(\s(?:d|x|y|transform)=")([^"]*)(")')
_LONG_NUMBER = re.compile(r"-?\d+\.\d{2,}")


def as_svg(build: Callable[[Dashboard], Figure]) -> Callable[[Dashboard], str]:
    """Turn a figure builder into a chart: dashboard in, standalone ``<svg>`` text out."""

    @functools.wraps(build)
    def chart(dashboard: Dashboard) -> str:
        with _LOCK, matplotlib.rc_context(_STYLE):
            return to_svg(build(dashboard))

    return chart


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element, without XML prologue or external DTD."""
    FigureCanvasAgg(fig)
    out = io.StringIO()
    # No metadata: no creation date (stable output) and no RDF block with external URIs.
    fig.savefig(
        out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    return _GEOMETRY.sub(_round_numbers, _PROLOGUE.sub("", out.getvalue(), count=1))


def _round_numbers(attribute: re.Match[str]) -> str:
    value = _LONG_NUMBER.sub(lambda n: f"{float(n[0]):.1f}", attribute[2])
    return attribute[1] + value + attribute[3]


def figure(height: float = 3.2, width: float = WIDTH) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def no_data(title: str) -> Figure:
    """A chart that says plainly there is nothing to show, instead of empty axes."""
    fig = figure(height=1.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, parse_math=False)
    ax.text(0.5, 0.45, NO_DATA, ha="center", va="center", fontsize=12, color=NEUTRAL)
    return fig


def label(text: str, limit: int = 28) -> str:
    """A data value fit for an axis label: one line, at most ``limit`` characters."""
    one_line = " ".join(text.split()) or "(blank)"
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def interval(rate: Rate) -> str:
    """'42 % (38-46 %, 120 of 286)': the share, its 95 % interval and the counts."""
    if rate.rate is None:
        return "n/a (0)"
    ci = ""
    if rate.low is not None and rate.high is not None:
        ci = f"{rate.low * 100:.0f}–{rate.high * 100:.0f} %, "
    return f"{pct(rate.rate)} ({ci}{rate.count:,} of {rate.total:,})"


def duration(seconds: float | None) -> str:
    """'45 s', '12.5 min', '3.2 h': a duration in the unit that reads best."""
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def time_unit(seconds: Sequence[float | None]) -> tuple[float, str]:
    """Seconds, minutes or hours, whichever keeps the largest value readable."""
    largest = max((s for s in seconds if s is not None), default=0.0)
    if largest >= 2 * 3600:
        return 3600.0, "hours"
    if largest >= 120:
        return 60.0, "minutes"
    return 1.0, "seconds"


def rate_bars(
    ax: Axes,
    names: Sequence[str],
    rates: Sequence[Rate],
    colour: str | Sequence[str],
    *,
    full_scale: bool = True,
) -> None:
    """Horizontal bars of shares (first name on top) with 95 % intervals as error bars.

    ``full_scale`` draws 0-100 %; otherwise the axis ends a little past the highest
    interval, so that small shares (repeat contacts, errors) stay visible.
    """
    y = list(range(len(rates)))[::-1]
    values = [r.rate or 0.0 for r in rates]
    highs = [r.high if r.high is not None else v for v, r in zip(values, rates, strict=True)]
    below = [
        max(v - (r.low if r.low is not None else v), 0.0)
        for v, r in zip(values, rates, strict=True)
    ]
    above = [max(h - v, 0.0) for v, h in zip(values, highs, strict=True)]
    right = 1.0 if full_scale else min(1.0, max(max(highs) * 1.2, 0.05))
    ax.barh(y, values, color=colour, height=0.65)
    ax.errorbar(values, y, xerr=[below, above], fmt="none", ecolor="#1b1f29", capsize=3, lw=1)
    ax.set_yticks(y, labels=[label(n, 40) for n in names], parse_math=False)
    for yi, r, h in zip(y, rates, highs, strict=True):
        text = f"{pct(r.rate)}  ({r.count:,}/{r.total:,})"
        ax.text(h + right * 0.02, yi, text, va="center", fontsize=8, parse_math=False)
    ax.set_xlim(0, right * 1.25)
    ax.xaxis.set_major_locator(
        FixedLocator([0, 0.25, 0.5, 0.75, 1.0])
        if full_scale
        else MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if right >= 0.04 else 1))
    ax.grid(axis="x", color="#e3e6ee")


# Tick spacings that read naturally, in units of the bucket.
_NICE_STEPS = {
    "minute": (1, 5, 10, 15, 30, 60, 120, 180, 360, 720),
    "hour": (1, 2, 3, 6, 12, 24, 48, 72, 168),
    "day": (1, 2, 7, 14, 28, 56, 91, 182, 364),
}
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def time_ticks(
    starts: Sequence[datetime], bucket: str, most: int = 10
) -> tuple[list[int], list[str], str]:
    """Tick positions (indexes into ``starts``), their labels and the axis label.

    At most ``most`` ticks, spaced by a round step (15 minutes, 6 hours, a week) and
    placed on round times; one day's worth of minutes or hours shows only the time.
    """
    step = next((s for s in _NICE_STEPS[bucket] if len(starts) / s <= most), len(starts))
    unit = _UNIT_SECONDS[bucket]
    positions = [i for i, t in enumerate(starts) if int(t.timestamp()) // unit % step == 0] or [0]
    one_day = starts[0].date() == starts[-1].date()
    if bucket == "day" or step * unit % 86400 == 0:  # ticks at midnight: the date says it
        fmt = "%d %b"
    elif one_day:
        fmt = "%H:%M"
    else:
        fmt = "%d %b %H:%M"
    zone = starts[0].tzname() or "UTC"
    day = f", {starts[0]:%d %b %Y}" if one_day and bucket != "day" else ""
    return (
        positions,
        [starts[i].strftime(fmt) for i in positions],
        f"{bucket} starting ({zone}{day})",
    )
