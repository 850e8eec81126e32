"""The ``deskpilot`` command line."""

from deskpilot.cli._main import app

__all__ = ["app"]
