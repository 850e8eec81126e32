"""Deterministic demo data for any size of data set."""

from deskpilot.seed.generator import BuiltCustomer, SeedReport, build_customer, seed

__all__ = ["BuiltCustomer", "SeedReport", "build_customer", "seed"]
