"""Where the CPU of a load run goes: server, load generator, PostgreSQL, Redis.

    .venv/bin/pip install -e '.[bench]'   # psutil
    .venv/bin/python bench/load_cpu.py DATABASE_URL [--workers 1]

DATABASE_URL must name an empty database. Seeds 600 customers, starts `deskpilot serve`,
warms it up with 100 customers, then drives 500 more (bench/load.py's conversations) and
prints the CPU milliseconds each group of processes spent per assistant turn.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import time
from datetime import UTC, datetime

import psutil

import load  # bench/ is on the path when run as a script
from deskpilot.config import Settings
from deskpilot.db import Database, upgrade
from deskpilot.seed import seed


def _cpu_seconds() -> collections.Counter[str]:
    out: collections.Counter[str] = collections.Counter()
    for p in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        t, name = p.info["cpu_times"], p.info["name"] or ""
        if t is None:
            continue
        if "postgres" in name:
            group = "postgres"
        elif p.pid == os.getpid():
            group = "load generator"
        elif "redis" in name:
            group = "redis"
        elif "deskpilot" in " ".join(p.info["cmdline"] or []):
            group = "server"
        else:
            group = "other"
        out[group] += t.user + t.system
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("database_url")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    db = Database(args.database_url)
    upgrade(db.engine)
    seed(db, 600, today=datetime.now(UTC).date())
    db.dispose()
    port = load._free_port()
    proc = load._start_server(args.database_url, port, Settings().model_dir, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(load._drive(base, 100, 50, 501))  # warm-up, not counted
        before, started = _cpu_seconds(), time.time()
        result = asyncio.run(load._drive(base, 500, 50, 1))
        after = _cpu_seconds()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(result)
    per_turn = {k: round((after[k] - before[k]) / result["turns"] * 1000, 2) for k in after}
    print(f"CPU ms per turn: {per_turn}; wall {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
