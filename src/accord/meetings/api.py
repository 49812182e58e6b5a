"""REST endpoints of the meetings app: parse → service/query → schema, no logic."""

from ninja import Router

router = Router(tags=["meetings"])
