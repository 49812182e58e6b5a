"""Reads of the library app's protected data, always through core.access."""
