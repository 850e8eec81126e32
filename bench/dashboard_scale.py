"""How long the analytics dashboard takes over a million conversations on PostgreSQL.

    .venv/bin/python bench/dashboard_scale.py [--conversations 1000000] [--json]
        [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh database ``deskpilot_dashboard_bench`` on the server (dropped first),
migrates it, and fills it inside PostgreSQL (generate_series, no Python round trips):
50,000 customers and N conversations (each with a state as large as a real one) over
90 days in 35 languages and 26 markets, with realistic shares of handoffs, agent
handling, ratings, repeat contacts and reviews. Then
it computes the whole dashboard (`deskpilot.analytics.compute_dashboard`, the same call
the web page makes) for several periods and slices, three times each, and prints the
time of each run. The issue's goal: under 2 seconds over 1,000,000 conversations.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import create_engine, text

from deskpilot.analytics import Filters, compute_dashboard
from deskpilot.config import Settings
from deskpilot.db import Database, upgrade
from deskpilot.domain.markets import MARKETS

console = Console(stderr=True)
DB_NAME = "deskpilot_dashboard_bench"
END = datetime(2026, 11, 22, tzinfo=UTC)
LANGS = [
    "en",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "sv",
    "da",
    "nb",
    "fi",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "el",
    "pt",
    "tr",
    "ar",
    "he",
    "hi",
    "ur",
    "bn",
    "ta",
    "th",
    "vi",
    "id",
    "ms",
    "ja",
    "ko",
    "zh",
    "ru",
    "uk",
    "fa",
    "sw",
]
INTENTS = [
    "order_status",
    "refund_status",
    "report_return",
    "extend_due_date",
    "card_lost_stolen",
    "unrecognized_charge",
    "payment_options",
    "pay_installment",
    "change_autopay",
    "human_handoff",
    "open_dispute",
    "cancel_order",
    "fee_question",
    "account_close",
    "statement_request",
]

# A state as large as a real one (~350 bytes): the dashboard must not depend on it.
STATE = (
    '{"language": "de", "stack": [], "queued": [], "awaiting": null, "misunderstandings": 0,'
    ' "refused": null, "completed": ["order_status", "refund_status"], "actions": '
    '["get_order", "list_refunds"], "handed_off": false, "handoff_reason": null, "greeted": '
    'true, "next_instance": 3, "last_intent": "refund_status", "clarify_text": null}'
)

CONVERSATIONS = """
INSERT INTO conversations (public_id, customer_id, channel, language, status, state,
    started_at, updated_at, last_intent, topic_order, first_response_seconds)
SELECT md5(g::text), 1 + (g % :customers), (ARRAY['chat','chat','chat','app','email'])[1 + g % 5],
    (CAST(:langs AS text[]))[1 + floor(r_lang * :n_langs)::int], 'resolved', CAST(:state AS json),
    started, started, (CAST(:intents AS text[]))[1 + floor(random() * :n_intents)::int],
    'DP-' || (100000 + g % 50000), 0.004 + random() * 0.03
FROM (SELECT g, random() AS r_lang, :end - (random() * 90) * interval '1 day' AS started
      FROM generate_series(:first, :last) AS g) AS draws
"""

FACTS = """
INSERT INTO conversation_facts (conversation_id, customer_id, started_at, ended_at, language,
    market, channel, intent, topic_order, handled_by, handoff_at, first_handoff_reason,
    claimed_at, first_response_seconds, human_first_response_seconds, resolution_seconds,
    handling_seconds, csat_score, repeat_contact, review_status, review_priority)
SELECT id, customer_id, started_at,
    CASE WHEN r_open < 0.02 THEN NULL ELSE started_at + resolution_s * interval '1 second' END,
    language, (CAST(:markets AS text[]))[1 + (id * 7) % :n_markets], channel, last_intent,
    topic_order,
    CASE WHEN r_open < 0.02 THEN NULL WHEN r_handled < 0.67 THEN 'assistant'
        WHEN r_handled < 0.95 THEN 'human' ELSE 'unattended' END,
    CASE WHEN r_handled >= 0.67 THEN started_at + interval '20 seconds' END,
    CASE WHEN r_handled >= 0.67 THEN
        (ARRAY['customer_asked','policy','misunderstood','fraud'])[1 + id % 4] END,
    CASE WHEN r_handled >= 0.67 AND r_handled < 0.95
        THEN started_at + interval '90 seconds' END,
    CASE WHEN r_handled < 0.67 THEN first_response_seconds END,
    CASE WHEN r_handled >= 0.67 AND r_handled < 0.95 THEN 30 + random() * 300 END,
    CASE WHEN r_open < 0.02 THEN NULL ELSE resolution_s END,
    CASE WHEN r_handled >= 0.67 AND r_handled < 0.95 THEN 300 + random() * 900 END,
    CASE WHEN random() < 0.55 THEN 1 + floor(random() * 5)::int END,
    random() < 0.08,
    CASE WHEN r_review < 0.03 THEN 'reviewed' WHEN r_review < 0.08 THEN 'pending' END,
    CASE WHEN r_review < 0.08 THEN random() END
FROM (SELECT c.*, random() AS r_handled, random() AS r_open, random() AS r_review,
             CASE WHEN random() < 0.67 THEN 30 + random() * 150 ELSE 400 + random() * 1200
                 END AS resolution_s
      FROM conversations c WHERE c.id BETWEEN :first AND :last) AS draws
"""


def fill(db: Database, n: int) -> None:
    customers = 50_000
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO customers (first_name, last_name, email, phone, address_line,"
                " postal_code, city, country, language, identity_verified, status, created_at)"
                " SELECT 'A', 'B', 'c' || g || '@example.com', '+4470000000', 'x', '1', 'y',"
                " 'GB', 'en', true, 'active', now() FROM generate_series(1, :n) g"
            ),
            {"n": customers},
        )
        c.execute(
            text(
                "INSERT INTO agents (username, display_name, role, password_hash, created_at)"
                " VALUES ('reviewer', 'Reviewer', 'supervisor', 'x', now())"
            )
        )
    params = {
        "customers": customers,
        "state": STATE,
        "end": END,
        "langs": LANGS,
        "n_langs": len(LANGS),
        "intents": INTENTS,
        "n_intents": len(INTENTS),
        "markets": sorted(MARKETS),
        "n_markets": len(MARKETS),
    }
    step = 100_000
    with Progress(console=console) as progress:
        task = progress.add_task("Conversations", total=n)
        for first in range(1, n + 1, step):
            last = min(n, first + step - 1)
            with db.engine.begin() as c:
                c.execute(text(CONVERSATIONS), params | {"first": first, "last": last})
                c.execute(text(FACTS), params | {"first": first, "last": last})
            progress.update(task, advance=last - first + 1)
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO reviews (conversation_id, reviewer_id, handled_by, severity,"
                " categories, notes, created_at)"
                " SELECT conversation_id, 1, handled_by,"
                " (ARRAY['none','none','none','none','minor','minor','major','critical'])"
                "[1 + floor(random() * 8)::int], '[]', '', now()"
                " FROM conversation_facts WHERE review_status = 'reviewed'"
                " AND handled_by IS NOT NULL"
            )
        )
        c.execute(text("ANALYZE"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--conversations", type=int, default=1_000_000)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    url = args.admin_url.rsplit("/", 1)[0] + f"/{DB_NAME}"
    db = Database(url)
    upgrade(db.engine)
    t0 = time.perf_counter()
    fill(db, args.conversations)
    console.print(
        f"filled {args.conversations:,} conversations in {time.perf_counter() - t0:.0f} s"
    )
    settings = Settings(database_url=url)
    cases = {
        "all 90 days": Filters(start=END - timedelta(days=90), end=END),
        "last 30 days": Filters(start=END - timedelta(days=30), end=END),
        "last 24 hours": Filters(start=END - timedelta(days=1), end=END),
        "90 days, language de": Filters(start=END - timedelta(days=90), end=END, language="de"),
        "90 days, market SE": Filters(start=END - timedelta(days=90), end=END, market="SE"),
    }
    results = {}
    for name, f in cases.items():
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            d = compute_dashboard(db, f, settings)
            runs.append(time.perf_counter() - t)
        results[name] = {
            "conversations": d.conversations,
            "seconds_runs": [round(x, 3) for x in runs],
            "seconds_median": round(statistics.median(runs), 3),
        }
        console.print(
            f"{name:24s} {d.conversations:>9,} conversations  "
            f"runs {', '.join(f'{x:.2f}' for x in runs)} s"
        )
    db.dispose()
    if args.json:
        print(json.dumps({"total_conversations": args.conversations, "cases": results}, indent=2))


if __name__ == "__main__":
    main()
