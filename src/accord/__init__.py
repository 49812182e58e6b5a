"""Accord: coordination platform for allied peace negotiations."""

__version__ = "0.1.0"
