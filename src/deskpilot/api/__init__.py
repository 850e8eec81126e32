"""HTTP API and live updates (FastAPI)."""

from deskpilot.api.app import create_app

__all__ = ["create_app"]
