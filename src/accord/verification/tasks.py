"""Background jobs of the verification app."""
