"""REST endpoints of the library app: parse → service/query → schema, no logic."""

from ninja import Router

router = Router(tags=["library"])
