"""The help centre and retrieval over it."""

from deskpilot.knowledge.help_centre import Answer, Article, HelpCentre, default_help_centre

__all__ = ["Answer", "Article", "HelpCentre", "default_help_centre"]
