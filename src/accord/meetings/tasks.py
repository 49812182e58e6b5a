"""Background jobs of the meetings app."""
