"""Errors raised by :mod:`accord.analysis`.

Every fault a user can cause (a bad file, an impossible problem) is an :class:`AnalysisError`, a
``ValueError`` subclass, so callers can report it without a traceback.
"""

from __future__ import annotations

__all__ = ["AnalysisError", "ProblemTooLarge"]


class AnalysisError(ValueError):
    """A problem, file or argument that cannot be analysed; names the file when there is one."""

    def __init__(self, fault: str, source: str | None = None) -> None:
        self.fault = fault
        self.source = source
        super().__init__(f"{source}: {fault}" if source else fault)

    def with_source(self, source: str) -> AnalysisError:
        """Return a copy naming ``source`` (kept if one was already named)."""
        if self.source:
            return self
        err = type(self).__new__(type(self))
        err.__dict__.update(self.__dict__)
        err.source = source
        ValueError.__init__(err, f"{source}: {self.fault}")
        return err


class ProblemTooLarge(AnalysisError):
    """The exact computation would exceed a configured bound (which one and its value are named)."""

    def __init__(
        self,
        bound: str,
        limit: int,
        value: int,
        source: str | None = None,
    ) -> None:
        self.bound = bound
        self.limit = limit
        self.value = value
        super().__init__(f"problem too large: {bound} would be {value:,} (limit {limit:,})", source)
