"""Reads of the implementation app's protected data, always through core.access."""
