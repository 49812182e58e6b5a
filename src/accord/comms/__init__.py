"""Secure channels: labelled messages, precedence, acknowledgement, live delivery, search, briefings."""
