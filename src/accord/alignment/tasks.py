"""Background jobs of the alignment app."""
