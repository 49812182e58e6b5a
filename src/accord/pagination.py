"""Bounded limit/offset pagination for every list endpoint (no unbounded or overflowing pages)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


class Page(LimitOffsetPagination):
    """`?limit=` 1..500 (default 50) and `?offset=` 0..2^31−1; answers `{items, count}`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
