"""Demo content of the library app in the Lake Varna process."""


def load(process) -> None:
    """Add the library demo to the demo process (nothing yet)."""
