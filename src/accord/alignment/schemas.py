"""API input and output of the alignment app."""
