"""API input and output of the implementation app."""
