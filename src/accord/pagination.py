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


SEARCH_COUNT_CAP = 1000


class SearchPage(Page):
    """A page of search hits whose total is counted up to 1,000 (`count_exact` false beyond):
    counting every match of a common word over millions of messages would cost more than the
    page itself, and nobody reads past a thousand hits — they narrow the query."""

    class Output(Schema):
        items: list
        count: int
        count_exact: bool

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset = pagination.offset
        limit = min(pagination.limit, self.max_limit)
        cap = max(SEARCH_COUNT_CAP, offset + limit)
        seen = queryset.bounded_count(cap + 1)
        return {
            "items": queryset[offset : offset + limit],
            "count": min(seen, cap),
            "count_exact": seen <= cap,
        }
