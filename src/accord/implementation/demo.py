"""Demo content of the implementation app in the Lake Varna process."""


def load(process) -> None:
    """Add the implementation demo to the demo process (nothing yet)."""
