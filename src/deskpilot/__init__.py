"""DeskPilot: AI customer service for payments and buy-now-pay-later companies."""

__all__ = ["__version__"]

__version__ = "0.1.0"
