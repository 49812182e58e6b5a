"""Demo content of the verification app in the Lake Varna process."""


def load(process) -> None:
    """Add the verification demo to the demo process (nothing yet)."""
