"""Demo content of the meetings app in the Lake Varna process."""


def load(process) -> None:
    """Add the meetings demo to the demo process (nothing yet)."""
