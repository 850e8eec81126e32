"""Charts, the HTML report and ``deskpilot report`` as a supervisor meets them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskpilot.analytics.charts import CHARTS, render
from deskpilot.analytics.report import render_report
from deskpilot.analytics.schema import (
    Alert,
    Csat,
    Dashboard,
    Filters,
    Quality,
    Quantiles,
    Rate,
    SeriesPoint,
    Side,
    Slice,
    Workload,
)
from deskpilot.cli import app
from deskpilot.errors import NotFound

START = datetime(2026, 3, 1, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"


def _rate(count: int, total: int) -> Rate:
    if not total:
        return Rate(count=0, total=0, rate=None, low=None, high=None)
    p = count / total
    half = 1.96 * (p * (1 - p) / total) ** 0.5 + 0.5 / total
    return Rate(count=count, total=total, rate=p, low=max(p - half, 0.0), high=min(p + half, 1.0))


def _quantiles(n: int, median: float) -> Quantiles:
    if not n:
        return Quantiles(n=0, median=None, p90=None, mean=None)
    return Quantiles(n=n, median=median, p90=median * 3, mean=median * 1.4)


def _side(
    who: str, n: int, scale: float, ratings: dict[int, int], severity: dict[str, int]
) -> Side:
    rated = sum(ratings.values())
    mean = sum(k * v for k, v in ratings.items()) / rated if rated else None
    reviewed = sum(severity.values())
    errors = reviewed - severity.get("none", 0)
    return Side(
        handled_by="assistant" if who == "assistant" else "human",
        conversations=n,
        resolution_seconds=_quantiles(n, 240 * scale),
        first_response_seconds=_quantiles(n, 1.5 * scale**2),
        handling_seconds=_quantiles(n if who == "human" else 0, 600),
        csat=Csat(
            n=rated,
            mean=mean,
            low=None if mean is None else mean - 0.2,
            high=None if mean is None else mean + 0.2,
            distribution=ratings,
            satisfied=_rate(ratings.get(4, 0) + ratings.get(5, 0), rated),
        ),
        repeat_contacts=_rate(n // 9, n),
        quality=Quality(
            reviewed=reviewed,
            error_rate=_rate(errors, reviewed),
            severity=severity,
            severity_score=(
                sum(
                    i * severity.get(s, 0)
                    for i, s in enumerate(("none", "minor", "major", "critical"))
                )
                / reviewed
                if reviewed
                else None
            ),
        ),
    )


def _slice(key: str, automated: int, human: int) -> Slice:
    n = automated + human
    return Slice(
        key=key,
        conversations=n,
        automation=_rate(automated, n),
        handoff=_rate(human, n),
        csat_assistant=4.4,
        csat_human=4.1,
        resolution_mean_assistant=200.0,
        resolution_mean_human=1900.0,
        repeat_assistant=_rate(automated // 10, automated),
        repeat_human=_rate(human // 8, human),
        error_assistant=_rate(1, 10),
        error_human=_rate(1, 12),
    )


def _dashboard(*, empty: bool = False, intent: str = "refund_status") -> Dashboard:
    """A hand-made dashboard for one day: 300 conversations, or none at all."""
    k = 0 if empty else 1
    hours = [
        SeriesPoint(
            start=START + timedelta(hours=h),
            conversations=k * (10 + h % 5),
            automated=k * (7 + h % 3),
            human=k * 2,
            csat_mean=None if empty else 4.3,
        )
        for h in range(24)
    ]
    assistant = _side(
        "assistant",
        210 * k,
        1,
        {1: 3 * k, 2: 2 * k, 3: 9 * k, 4: 30 * k, 5: 60 * k},
        {"none": 40 * k, "minor": 4 * k, "major": 2 * k, "critical": 1 * k},
    )
    human = _side(
        "human",
        80 * k,
        8,
        {1: 2 * k, 3: 5 * k, 4: 20 * k, 5: 15 * k},
        {"none": 30 * k, "minor": 3 * k, "major": k},
    )
    return Dashboard(
        filters=Filters(start=START, end=START + timedelta(days=1), language="sv" if k else None),
        generated_at=START + timedelta(days=1, minutes=5),
        conversations=300 * k,
        ended=290 * k,
        open=10 * k,
        automation=_rate(210 * k, 290 * k),
        handoff=_rate(80 * k, 290 * k),
        unattended=3 * k,
        handoff_reasons={"customer_asked": 40 * k, "dispute": 25 * k, HOSTILE: 15 * k} if k else {},
        assistant=assistant,
        human=human,
        workload=Workload(
            assistant_resolved=210 * k,
            human_handled=80 * k,
            human_average_handling_seconds=None if empty else 610.0,
            hours_saved=None if empty else 35.6,
            period_months=1 / 30,
            productive_hours_per_agent_month=120.0,
            fte=None if empty else 8.9,
            currency="EUR",
            cost_per_human_contact=4.5,
            cost_per_assistant_conversation=0.3,
            budget=1305.0 * k,
            actual=423.0 * k,
            saved=882.0 * k,
        ),
        bucket="hour",
        series=hours,
        by_language=[_slice("sv", 120, 30), _slice("de", 60, 35), _slice("ko", 30, 15)][: 3 * k],
        by_market=[_slice("SE", 120, 30), _slice("DE", 90, 50)][: 2 * k],
        by_intent=[_slice(intent, 150, 40), _slice("card_blocked", 60, 40)][: 2 * k],
        by_channel=[_slice("web", 210, 80)][:k],
        alerts=[
            Alert(
                dimension="intent",
                key=intent,
                metric="error_rate",
                assistant=0.2,
                human=0.05,
                assistant_reviewed=30,
                human_reviewed=20,
                message=f"The assistant errs more often than people on {intent}",
            )
        ][:k],
    )


def _tables(d: Dashboard) -> dict[str, list[dict[str, object]]]:
    return {
        "summary": [{"figure": "automation rate", "value": d.automation.rate}],
        "by_language": [{"key": s.key, "conversations": s.conversations} for s in d.by_language],
        "by_intent": [{"key": s.key, "automation": s.automation.rate} for s in d.by_intent],
        "alerts": [{"key": a.key, "message": a.message} for a in d.alerts],
    }


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)  # also proves the SVG is well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_that_every_chart_is_valid_svg_that_names_its_data(name: str) -> None:
    d = _dashboard()
    text = _texts(render(name, d))
    expected = {
        "volume": ["assistant", "human", "06:00", "01 Mar 2026"],
        "automation_by_language": ["sv", "de", "ko"],
        "automation_by_market": ["SE", "DE"],
        "automation_by_channel": ["web"],
        "by_intent": ["refund_status", "card_blocked"],
        "resolution": ["median", "90th percentile", "minutes"],
        "csat": ["4.37", "4.17–4.57", "4.10", "104 ratings"],
        "repeat_contacts": ["assistant", "human", "23 of 210", "23/210"],
        "quality": ["critical", "major", "47 reviewed"],
        "handoff_reasons": ["customer_asked", "dispute", "40"],
    }[name]
    for word in expected:
        assert word in text, f"{word!r} missing from the {name} chart: {text[:300]}"


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_that_an_empty_period_says_there_is_no_data(name: str) -> None:
    assert "no data in this period" in _texts(render(name, _dashboard(empty=True))).lower()


def test_that_charts_drawn_by_many_threads_at_once_match_charts_drawn_alone() -> None:
    d, empty = _dashboard(), _dashboard(empty=True)
    jobs = [(name, dash) for name in ("volume", "csat", "quality") for dash in (d, empty)] * 3
    alone = [render(name, dash) for name, dash in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda job: render(*job), jobs))
    assert together == alone


def test_that_an_unknown_chart_is_not_found() -> None:
    with pytest.raises(NotFound):
        render("pie_of_everything", _dashboard())


def test_that_a_hostile_label_stays_text_in_a_chart() -> None:
    svg = render("handoff_reasons", _dashboard())
    assert "<script" not in svg
    assert HOSTILE in _texts(svg)


def test_that_the_report_is_one_self_contained_file_with_every_chart() -> None:
    d = _dashboard(intent=HOSTILE)
    html = render_report(d, _tables(d))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower()  # the hostile intent name is escaped everywhere
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") >= len(CHARTS)
    for name in CHARTS:
        assert f'data-chart="{name}"' in html
    for table in _tables(d):
        assert f'data-table="{table}"' in html
    headline = html[html.index('<section class="tiles">') :].split("</section>")[0]
    for figure in (
        "72.4 %",
        "4.37 (4.17–4.57)",
        "4.10 (3.90–4.30)",
        "8.9",
        "882 EUR",
        "4.0 min / 32.0 min",
        "11.0 %",
        "14.9 %",
    ):
        assert figure in headline, figure
    assert "The assistant errs more often" in html[: html.index("<h2>Headline")]  # alerts first
    assert "How each figure is computed" in html
    assert "2026-03-01" in html and "sv" in html


def test_that_the_report_of_an_empty_period_still_renders() -> None:
    d = _dashboard(empty=True)
    html = render_report(d, {"summary": [], "by_language": []})
    assert html.lower().count("no data in this period") >= len(CHARTS)


def test_that_a_long_table_is_folded_away_but_complete() -> None:
    d = _dashboard()
    rows: list[dict[str, object]] = [{"hour": i, "conversations": i * 2} for i in range(100)]
    html = render_report(d, {"series": rows, "by_language": [{"key": "sv"}]})
    assert "<details><summary>series (100 rows)</summary>" in html
    series = html[html.index('data-table="series"') :].split("</table>")[0]
    assert series.count("<tr>") == 101  # header and every row
    assert "<details><summary>by language" not in html


def test_that_the_report_command_writes_one_file_from_a_real_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    env["DESKPILOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'report.db'}"
    out = tmp_path / "march.html"
    args = ["report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", *args, "--language", "sv"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out.resolve())
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == len(CHARTS)
    assert "2026-03-01 00:00 UTC" in html and "2026-04-01 00:00 UTC" in html  # --to is inclusive
    assert "language sv" in html
    assert "no data in this period" in html.lower()


def test_that_the_report_command_rejects_an_impossible_date() -> None:
    result = CliRunner().invoke(app, ["report", "--from", "2026-13-01", "--to", "2026-01-31"])
    assert result.exit_code == 2
    assert "2026-13-01" in result.output


def test_that_the_report_command_rejects_a_period_that_ends_before_it_starts() -> None:
    result = CliRunner().invoke(app, ["report", "--from", "2026-02-01", "--to", "2026-01-31"])
    assert result.exit_code == 2
