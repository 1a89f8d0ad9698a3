"""The ledger over HTTP: signed heads, keys, proofs, and verifiable bundles of an enterprise's data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Response

from chanrong.access.consent import GUARDED_KINDS, Decision
from chanrong.access.rules import Principal
from chanrong.ledger.keys import SignedHead
from chanrong.model import EVENT_KINDS
from chanrong.platform import Platform
from chanrong.web.api.consents import _call, consented_days
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["ledger"])


@router.get("/ledger/head")
def current_head(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The newest signed tree head (RFC 6962 TreeHeadSignature, Ed25519); signed anew when the
    log has grown. Keep the heads you receive: a later consistency proof shows the log only grew."""
    return platform.ledger.head().as_json()


@router.get("/ledger/heads")
def recent_heads(
    platform: PlatformDep, principal: PrincipalDep, limit: int = Query(20, ge=1, le=1000)
) -> list[dict[str, Any]]:
    return [h.as_json() for h in platform.ledger.heads(limit)]


@router.get("/ledger/keys")
def public_keys(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every key the log ever signed with (raw Ed25519 public key, base64); retired keys stay
    listed so old heads still verify."""
    return platform.ledger.public_keys()


@router.get("/ledger/consistency")
def consistency(
    platform: PlatformDep,
    principal: PrincipalDep,
    first: int = Query(ge=0, le=2**63 - 1, description="size of the older tree head"),
    second: int = Query(ge=0, le=2**63 - 1, description="size of the newer tree head"),
) -> dict[str, Any]:
    """RFC 9162 consistency proof: the tree of `first` leaves is a prefix of the tree of `second`."""
    size = platform.ledger.size(platform.store.cursor())
    if not first <= second <= size:
        raise HTTPException(400, f"need first <= second <= {size} (the log's size now)")
    proof = platform.ledger.consistency(first, second)
    return {"first": first, "second": second, "proof": [p.hex() for p in proof]}


def _may_see_leaf(platform: Platform, principal: Principal, leaf: dict[str, Any]) -> bool:
    """A leaf's data names who sent what: the submitter, the parties of a consent and the
    platform operator may read it; to anyone else it does not exist."""
    if principal.can("operations"):
        return True
    data = orjson.loads(leaf["leaf_data"])
    if leaf["leaf_type"] == "batch":
        return bool(data.get("submitter") == principal.org)
    if leaf["leaf_type"] == "consent":
        c = data.get("consent", {})
        return principal.org in (c.get("grantor"), c.get("grantee"))
    return False


@router.get("/ledger/leaves/{index}")
def leaf_proof(
    index: int,
    platform: PlatformDep,
    principal: PrincipalDep,
    tree_size: int | None = Query(
        None, ge=1, le=2**63 - 1, description="default: the current head"
    ),
) -> dict[str, Any]:
    """One leaf (a batch you sent, a consent you are party to) and its inclusion proof."""
    leaf = platform.ledger.leaf(index) if 0 <= index < 2**63 else None
    if leaf is None or not _may_see_leaf(platform, principal, leaf):
        raise HTTPException(404, f"no leaf {index} of yours")
    head = _head(platform, tree_size)
    if index >= head.tree_size:
        raise HTTPException(400, f"leaf {index} is not in the tree of size {head.tree_size}")
    return {
        "leaf_index": index,
        "leaf_type": leaf["leaf_type"],
        "leaf_data": leaf["leaf_data"],
        "head": head.as_json(),
        "proof": [p.hex() for p in platform.ledger.inclusion(index, head.tree_size)],
    }


def _head(platform: Platform, tree_size: int | None) -> SignedHead:
    if tree_size is None:
        return platform.ledger.head()
    head = platform.ledger.head_of_size(tree_size)
    if head is None:
        raise HTTPException(404, f"no signed head of size {tree_size}")
    return head


def _periods(
    allowed: dict[str, Decision], since: date | None, until: date | None
) -> dict[str, tuple[date | None, date | None]]:
    return {kind: consented_days(d, since, until) for kind, d in allowed.items()}


@router.get("/orgs/{uscc}/bundle")
def bundle(
    uscc: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. pre_loan"),
    kinds: list[str] | None = Query(
        None, description="record kinds; default: every kind that needs consent"
    ),
    since: date | None = None,
    until: date | None = Query(None, description="last day included"),
) -> Response:
    """A verifiable bundle of an enterprise's records (under consent; audited): the records by
    day, their proofs up to a signed head, and the platform's public keys. Check it offline with
    `chanrong verify BUNDLE`."""
    wanted = kinds or sorted(GUARDED_KINDS)
    unknown = [k for k in wanted if k not in EVENT_KINDS]
    if unknown:
        raise HTTPException(404, f"unknown record kind {', '.join(unknown)}")

    def fetch(allowed: dict[str, Decision]) -> dict[str, Any]:
        return platform.ledger.bundle(uscc, _periods(allowed, since, until),
                                      exported_by=principal.org)  # fmt: skip

    action = f"GET /api/v1/orgs/{uscc}/bundle"
    result = _call(platform.consents.read, principal, uscc, wanted, purpose, action, fetch)
    name = f"chanrong-bundle-{uscc}-{platform.clock.now():%Y%m%d%H%M}.json"
    return Response(
        orjson.dumps(result, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/orgs/{uscc}/records/{kind}/proof")
def record_proof(
    uscc: str,
    kind: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. pre_loan"),
    id: str = Query(description="the record's id"),
    source: str | None = Query(
        None, description="the record's source, when ids repeat across sources"
    ),
) -> dict[str, Any]:
    """The proof of one stored record: its group (the enterprise's records of that kind and day
    in the same batch), the group's path to its batch leaf and the leaf's path to a signed head,
    as a bundle `chanrong verify` accepts. Under consent; audited."""
    if kind not in EVENT_KINDS:
        raise HTTPException(404, f"unknown record kind {kind}")

    def fetch(allowed: dict[str, Decision]) -> dict[str, Any]:
        where = platform.ledger.locate(EVENT_KINDS[kind], uscc, id, source)
        if where is None:
            raise HTTPException(404, f"no {kind} record {id!r} of {uscc}")
        day = where[1]
        lo, hi = _periods(allowed, None, None)[kind]
        if (lo and day < lo) or (hi and day >= hi):
            raise HTTPException(403, f"the record's day {day} is outside your consented period")
        return platform.ledger.bundle(uscc, {kind: (day, day + timedelta(days=1))},
                                      batches=[where[0]], exported_by=principal.org)  # fmt: skip

    action = f"GET /api/v1/orgs/{uscc}/records/{kind}/proof"
    return _call(platform.consents.read, principal, uscc, [kind], purpose, action, fetch)
