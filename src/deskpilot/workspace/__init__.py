"""The agent workspace: queue, claiming, replies, actions, co-pilot, supervisor figures."""

from deskpilot.workspace.service import RESOLUTION_CODES, Workspace

__all__ = ["RESOLUTION_CODES", "Workspace"]
