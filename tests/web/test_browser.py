"""The web pages in a real headless Chromium: a customer reaches a person, live."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskpilot.clock import FixedClock
from deskpilot.db import Database
from tests.conftest import LiveServer
from tests.factories import make_customer

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[test]')"
    if missing is None and not shutil.which(CHROMIUM):
        missing = "Debian's chromium is not installed (apt-get install -y chromium)"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def served(sqlite_db: Database, clock: FixedClock, understanding: object) -> Iterator[Any]:
    from deskpilot.api import create_app
    from deskpilot.config import Settings
    from deskpilot.engine.assistant import Assistant

    app = create_app(
        Settings(database_url=sqlite_db.url), Assistant(sqlite_db, understanding, clock=clock)
    )  # type: ignore[arg-type]
    app.state.workspace.create_agent("alex", "agent-pass-1", "agent", "Alex")
    with LiveServer(app) as server:
        yield server


def test_that_a_customer_asks_for_a_person_and_sees_the_agent_help_live(
    browser: Any, served: Any, sqlite_db: Database, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from deskpilot.api.auth import issue_token
    from deskpilot.config import DEMO_SECRET

    c = make_customer(sqlite_db, "overdue", card="active")
    token = issue_token(DEMO_SECRET, "customer", c.customer_id, datetime.now(UTC), 60)
    customer = browser.new_page()
    customer.goto(f"{served.url}/chat?token={token}")
    customer.wait_for_selector(".msg.assistant")
    assert "AI assistant" in customer.inner_text("#disclosure")
    assert customer.is_visible("#human")  # the person is always one click away

    agent = browser.new_page()
    agent.goto(f"{served.url}/agent")
    agent.fill("#username", "alex")
    agent.fill("#password", "agent-pass-1")
    agent.click("#login button")
    agent.wait_for_selector("#workspace:not(.hidden)")

    customer.click("#human")
    customer.wait_for_selector("text=Waiting for a colleague")

    agent.click(".queue-item")
    agent.wait_for_selector("#replies .suggestion textarea")
    assert "customer request" in agent.inner_text("#handoff-info")
    assert agent.locator("#history .msg.customer").count() >= 1  # everything said before
    agent.fill("#reply", "Hi, this is Alex. I'll sort this out for you.")
    agent.click("#reply-form button")
    customer.wait_for_selector(".msg.agent >> text=I'll sort this out for you")

    agent.locator("#actions button[data-action]").first.click()
    customer.wait_for_selector("text=A colleague made a change on your account")
    customer.screenshot(path=str(tmp_path / "customer.png"))
    agent.screenshot(path=str(tmp_path / "agent.png"))
    assert (tmp_path / "customer.png").stat().st_size > 0


# Scripts a customer may chat in, the font that must render them, a message to send and
# a character range their replies are written in.
SCRIPTS = {
    "ar": ("rtl", "Noto Naskh Arabic", "أين طلبي؟ أريد أن أعرف متى يصل", "\u0600", "\u06ff"),
    "fa": ("rtl", "Noto Naskh Arabic", "سفارش من کجاست؟ کی می‌رسد", "\u0600", "\u06ff"),
    "ur": ("rtl", "Noto Nastaliq Urdu", "میرا آرڈر کہاں ہے؟ کب پہنچے گا", "\u0600", "\u06ff"),
    "zh": ("ltr", "Noto Sans CJK SC", "我的订单在哪里？什么时候到", "\u4e00", "\u9fff"),
    "ja": ("ltr", "Noto Sans CJK JP", "注文した商品はどこにありますか", "\u3040", "\u9fff"),
    "ko": (
        "ltr",
        "Noto Sans CJK KR",
        "제 주문이 어디에 있나요",
        "\uac00",
        "\ud7a3",
    ),
    "th": ("ltr", "Noto Sans Thai", "คำสั่งซื้อของฉันอยู่ที่ไหน จะมาถึงเมื่อไหร่", "\u0e00", "\u0e7f"),
    "hi": ("ltr", "Noto Sans Devanagari", "मेरा ऑर्डर कहाँ है? कब पहुंचेगा", "\u0900", "\u097f"),
}


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_that_the_chat_renders_the_customers_script_and_direction(
    browser: Any, served: Any, sqlite_db: Database, tmp_path: Path, lang: str
) -> None:
    from datetime import UTC, datetime

    from deskpilot.api.auth import issue_token
    from deskpilot.config import DEMO_SECRET

    direction, font, message, low, high = SCRIPTS[lang]
    c = make_customer(sqlite_db, "in_transit", country="US", language=lang)
    token = issue_token(DEMO_SECRET, "customer", c.customer_id, datetime.now(UTC), 60)
    page = browser.new_page(viewport={"width": 480, "height": 720})
    page.goto(f"{served.url}/chat?token={token}")
    page.wait_for_selector(".msg.assistant")
    page.wait_for_function(f"document.documentElement.lang === '{lang}'")
    assert page.evaluate("document.documentElement.dir") == direction
    greeting = page.inner_text(".msg.assistant")
    assert any(low <= ch <= high for ch in greeting), greeting  # written in their script
    human = page.inner_text("#human")
    assert human != "Talk to a person" and any(low <= ch <= high for ch in human), human
    page.fill("#text", message)
    page.click("#send")
    page.wait_for_selector(".msg.assistant >> nth=1")
    # The page's font has the glyphs (no empty boxes) for what was written.
    assert page.evaluate("([f, t]) => document.fonts.check(`16px '${f}'`, t)", [font, message])
    mine = page.locator(".msg.customer").bounding_box()
    theirs = page.locator(".msg.assistant").first.bounding_box()
    assert mine is not None and theirs is not None
    if direction == "rtl":  # the customer's own messages sit on the left in RTL
        assert mine["x"] < theirs["x"]
    else:
        assert mine["x"] > theirs["x"]
    shot = tmp_path / f"chat-{lang}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("DESKPILOT_SCREENSHOTS"):  # to refresh docs/languages/
        target = Path(os.environ["DESKPILOT_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / shot.name)


@pytest.fixture
def analytics_served(sqlite_db: Database, understanding: object) -> Iterator[Any]:
    """The service on a clock two hours behind the browser's, so a known day of
    conversations falls inside the dashboard's 'last 24 hours'."""
    from datetime import UTC, datetime, timedelta

    from deskpilot.api import create_app
    from deskpilot.config import Settings
    from deskpilot.engine.assistant import Assistant

    clock = FixedClock(datetime.now(UTC) - timedelta(hours=2))
    app = create_app(
        Settings(database_url=sqlite_db.url), Assistant(sqlite_db, understanding, clock=clock)
    )  # type: ignore[arg-type]
    app.state.workspace.create_agent("alex", "agent-pass-1", "agent", "Alex")
    app.state.workspace.create_agent("sam", "super-pass-1", "supervisor", "Sam")
    with LiveServer(app) as server:
        yield server, clock


def test_that_a_supervisor_sees_the_dashboard_and_filters_it(
    browser: Any, analytics_served: Any, sqlite_db: Database, tmp_path: Path
) -> None:
    from tests.analytics.test_dashboard import _a_known_day

    server, clock = analytics_served
    _a_known_day(sqlite_db, server.url, clock)
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    page.goto(f"{server.url}/dashboard")
    page.fill("#username", "sam")
    page.fill("#password", "super-pass-1")
    page.click("#login button[type=submit]")
    page.wait_for_function("document.querySelector('#conversations').textContent.trim() === '5'")
    assert page.inner_text("#automation-rate").startswith("50")  # 2 of 4 ended, no person
    assert page.inner_text("#csat-assistant").startswith("4.5")
    assert page.inner_text("#csat-human").startswith("2")
    page.wait_for_selector(".chart[data-name=volume] svg")
    page.wait_for_selector("table[data-table=by_language] tbody tr")
    # A slice: one intent's conversations only.
    page.wait_for_selector("#intent option[value=human_agent]", state="attached")
    page.select_option("#intent", "human_agent")
    page.wait_for_function("document.querySelector('#conversations').textContent.trim() === '2'")
    assert page.inner_text("#automation-rate").startswith("0")
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("DESKPILOT_SCREENSHOTS"):
        target = Path(os.environ["DESKPILOT_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / shot.name)
