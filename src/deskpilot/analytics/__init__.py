"""Analytics and quality assurance: the operator's proof, from DeskPilot's own records.

Charts and the HTML report (matplotlib) live in ``analytics.charts`` and
``analytics.report`` and are imported where they are drawn, so the conversation engine,
which records facts here, does not load a plotting library.
"""

from deskpilot.analytics.metrics import AlertLog, compute_dashboard, tables
from deskpilot.analytics.schema import Dashboard, Filters

__all__ = ["AlertLog", "Dashboard", "Filters", "compute_dashboard", "tables"]
