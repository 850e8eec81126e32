"""Deterministic demo data for any size of data set."""

from deskpilot.seed.generator import SeedReport, seed

__all__ = ["SeedReport", "seed"]
