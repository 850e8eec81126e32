"""Settings, read once from ``DESKPILOT_*`` environment variables and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="DESKPILOT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///deskpilot.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://... to scale out",
    )
    demo_mode: bool = Field(default=True, description="Allow demo conveniences and demo data")
    sql_echo: bool = False
    model_dir: Path = Field(
        default=Path(".deskpilot/models"),
        description="Where trained intent models are cached",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()
