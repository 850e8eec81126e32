"""Embedded natural-language understanding."""
