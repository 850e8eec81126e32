"""Where one assistant turn spends its time, in-process (no HTTP).

    .venv/bin/python bench/turn_profile.py [--database-url URL] [--conversations 300] [--profile]

Seeds a fresh database (SQLite in a temporary directory by default, or the URL given, which
must be an empty database), then runs the load benchmark's scripted conversations through
the assistant directly, one after another, and prints turns per second on one core and the
p50/p99 turn time. With --profile, also the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import track

from deskpilot.config import Settings
from deskpilot.db import Database, upgrade
from deskpilot.runtime import build_assistant
from deskpilot.seed import seed
from load import SCRIPTS  # bench/ is on the path when run as a script: the same conversations

console = Console(stderr=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--conversations", type=int, default=300)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/profile.db"
        db = Database(url)
        upgrade(db.engine)
        customers = 200
        seed(db, customers, today=datetime.now(UTC).date())
        assistant = build_assistant(Settings(database_url=url), db)
        rng = random.Random(1)
        times: list[float] = []
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        cpu_started = time.process_time()
        for i in track(range(args.conversations), description="Conversations", console=console):
            cid = 1 + i % customers
            conv = assistant.start(cid).conversation_id
            for text in rng.choice(SCRIPTS):
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                assistant.handle(conv, cid, text)
                if profiler:
                    profiler.disable()
                times.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        db.dispose()
    times.sort()
    result = {
        "database": url.split(":")[0],
        "turns": len(times),
        "turn_ms_mean": round(statistics.mean(times), 2),
        "turn_p50_ms": round(times[len(times) // 2], 2),
        "turn_p99_ms": round(times[int(len(times) * 0.99)], 2),
        "turns_per_second_one_core": round(len(times) / sum(times) * 1000, 1),
        "wall_seconds_incl_greetings": round(elapsed, 1),
        "cpu_ms_per_turn_incl_greetings": round(cpu / len(times) * 1000, 2),
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    if profiler:
        out = Path(tempfile.gettempdir()) / "deskpilot-turn.prof"
        profiler.dump_stats(out)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        console.print(f"profile written to {out}")


if __name__ == "__main__":
    main()
