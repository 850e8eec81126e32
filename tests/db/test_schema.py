"""The migrations create exactly the schema the ORM models describe."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from deskpilot.db import Database
from deskpilot.db import models as m
from deskpilot.db._types import UTCDateTime


def test_that_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


def test_that_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(
            datetime(2026, 1, 1),
            __import__("sqlalchemy.dialects.sqlite", fromlist=["dialect"]).dialect(),
        )
