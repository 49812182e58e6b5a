"""REST endpoints of the verification app: parse → service/query → schema, no logic."""

from ninja import Router

router = Router(tags=["verification"])
