"""Analytics and quality assurance: the operator's proof, from DeskPilot's own records."""

from deskpilot.analytics.metrics import AlertLog, compute_dashboard, tables
from deskpilot.analytics.schema import Dashboard, Filters

__all__ = ["AlertLog", "Dashboard", "Filters", "compute_dashboard", "tables"]
