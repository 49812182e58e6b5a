"""Template context shared by every page."""

from accord import __version__


def accord(request) -> dict:
    return {"accord_version": __version__}
