"""API input and output of the library app."""
