"""Background jobs of the library app."""
