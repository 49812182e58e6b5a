"""Consultations: statements, confidential votes, imported Pol.is exports, opinion groups."""
