"""Reads of the meetings app's protected data, always through core.access."""
