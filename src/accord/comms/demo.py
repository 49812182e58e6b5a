"""Demo content of this app (filled in with the app)."""


def load(process) -> None:
    return None
