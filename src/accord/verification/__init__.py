"""Verification: sources, claims, assessments on the Admiralty code, similar claims, DISARM tags, joint public lines."""
