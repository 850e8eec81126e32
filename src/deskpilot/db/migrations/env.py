"""Alembic environment: the engine is handed in by deskpilot.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from deskpilot.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only via `alembic` CLI misuse
    raise RuntimeError("run migrations through `deskpilot db upgrade`")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
