"""API input and output of the verification app."""
