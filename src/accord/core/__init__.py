"""Processes, parties, members, roles, labels and the access policy, accounts."""
