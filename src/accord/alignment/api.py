"""REST endpoints of the alignment app: parse → service/query → schema, no logic."""

from ninja import Router

router = Router(tags=["alignment"])
