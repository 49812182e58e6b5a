"""Reads of the verification app's protected data, always through core.access."""
