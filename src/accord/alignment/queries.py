"""Reads of the alignment app's protected data, always through core.access."""
