"""REST API of the ledger: public key, signed heads, entries, inclusion and consistency proofs."""

from django.http import HttpRequest
from ninja import Router

from accord.core import queries as core_queries
from accord.core.api import activity_out
from accord.ledger import queries, signing
from accord.ledger.schemas import ConsistencyOut, EntryOut, HeadOut, ProofOut, PublicKeyOut
from accord.ledger.services import leaf_bytes, signing_key
from accord.ledger.verify import head_dict

router = Router(tags=["ledger"])
b64 = signing.b64encode


@router.get(
    "/ledger/public-key", response=PublicKeyOut, summary="The deployment's head-signing key"
)
def public_key(request: HttpRequest):
    key = signing_key()
    return {
        "algorithm": "Ed25519",
        "public_key": signing.public_key_b64(key),
        "key_id": signing.key_id(key),
    }


@router.get("/processes/{slug}/ledger/head", response=HeadOut, summary="Latest signed tree head")
def head(request: HttpRequest, slug: str):
    viewer = core_queries.viewer_for_slug(request.user, slug)
    h = queries.latest_head(viewer)
    return head_dict(h, h.log.name)


@router.get(
    "/processes/{slug}/ledger/entries/{seq}", response=EntryOut, summary="One entry I may read"
)
def entry(request: HttpRequest, slug: str, seq: int):
    viewer = core_queries.viewer_for_slug(request.user, slug)
    e = queries.entry(viewer, seq)
    return {
        **activity_out(viewer.process, e),
        "payload": e.payload,
        "leaf": b64(leaf_bytes(e, e.log.name)),
        "leaf_hash": b64(bytes(e.leaf_hash)),
    }


@router.get(
    "/processes/{slug}/ledger/entries/{seq}/proof", response=ProofOut, summary="Inclusion proof"
)
def proof(request: HttpRequest, slug: str, seq: int, size: int | None = None):
    viewer = core_queries.viewer_for_slug(request.user, slug)
    e, h, path = queries.inclusion_proof(viewer, seq, size)
    return {
        "seq": seq,
        "size": h.size,
        "leaf_hash": b64(bytes(e.leaf_hash)),
        "proof": [b64(p) for p in path],
        "head": head_dict(h, h.log.name),
    }


@router.get(
    "/processes/{slug}/ledger/consistency", response=ConsistencyOut, summary="Consistency proof"
)
def consistency(request: HttpRequest, slug: str, old: int, new: int):
    viewer = core_queries.viewer_for_slug(request.user, slug)
    return {
        "old_size": old,
        "new_size": new,
        "proof": [b64(p) for p in queries.consistency_proof(viewer, old, new)],
    }
