"""Demo content of the alignment app in the Lake Varna process."""


def load(process) -> None:
    """Add the alignment demo to the demo process (nothing yet)."""
