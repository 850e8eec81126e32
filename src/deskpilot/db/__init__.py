"""Persistence: ORM rows, engines and sessions, migrations."""

from deskpilot.db.engine import Database, make_engine
from deskpilot.db.migrate import upgrade

__all__ = ["Database", "make_engine", "upgrade"]
