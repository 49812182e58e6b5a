"""Negotiation workspace: agenda, confidential positions, the single negotiating text."""
