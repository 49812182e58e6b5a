"""API shapes of the ledger."""

from ninja import Schema


class PublicKeyOut(Schema):
    algorithm: str
    public_key: str
    key_id: str


class HeadOut(Schema):
    process: str
    size: int
    root: str
    timestamp: str
    key_id: str
    signature: str


class EntryOut(Schema):
    seq: int
    time: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload: dict
    label: dict | None
    leaf: str
    leaf_hash: str


class ProofOut(Schema):
    seq: int
    size: int
    leaf_hash: str
    proof: list[str]
    head: HeadOut


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str]
