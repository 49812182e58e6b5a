"""Tamper-evident record."""
