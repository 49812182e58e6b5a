"""Background jobs of the implementation app."""
