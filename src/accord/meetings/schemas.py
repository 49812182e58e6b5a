"""API input and output of the meetings app."""
