"""REST endpoints of the implementation app: parse → service/query → schema, no logic."""

from ninja import Router

router = Router(tags=["implementation"])
