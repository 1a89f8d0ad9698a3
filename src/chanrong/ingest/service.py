"""The ingest service: who may submit what, through which channel, into the event store."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.model import EVENT_KINDS, MASTER_KINDS, Master
from chanrong.model.base import Channel
from chanrong.model.master import Organisation, OrgKind
from chanrong.store.events import (
    EventRepository,
    FieldError,
    IngestResult,
    JsonBatch,
    Rejection,
    TableBatch,
)
from chanrong.store.master import MasterRepository
from chanrong.supply.feedback import FEEDBACK_CHECKS


class IngestDenied(PermissionError):
    pass


class UnknownKind(KeyError):
    def __str__(self) -> str:
        return f"unknown record kind {self.args[0]!r}; known: {', '.join(sorted(EVENT_KINDS) + sorted(MASTER_KINDS))}"


class MasterResult(BaseModel):
    kind: str
    records: int
    upserted: int
    rejected: int
    rejections: list[Rejection]


def default_channel(principal: Principal, route_channel: Channel | None = None) -> Channel:
    """Gateways (API keys) report device data; people type it in; systems integrate."""
    if route_channel is not None:
        return route_channel
    return Channel.DEVICE if principal.api_key_id else Channel.SYSTEM


class IngestService:
    def __init__(self, events: EventRepository, master: MasterRepository, clock: Clock) -> None:
        self.events = events
        self.master = master
        self.clock = clock

    def submit(
        self,
        kind: str,
        batch: JsonBatch | TableBatch,
        principal: Principal,
        *,
        channel: Channel | None = None,
        filename: str | None = None,
        content_sha256: str | None = None,
        signed_by: str | None = None,
    ) -> IngestResult:
        if kind not in EVENT_KINDS:
            raise UnknownKind(kind)
        if not principal.can("ingest"):
            raise IngestDenied(f"a {principal.org_kind.value} organisation cannot submit data")
        return self.events.append(
            kind,
            batch,
            submitter=principal.org,
            now=self.clock.now(),
            default_channel=default_channel(principal, channel).value,
            scope_org=principal.ingest_scope,
            filename=filename,
            content_sha256=content_sha256,
            signed_by=signed_by,
        )

    def feedback(
        self, kind: str, batch: JsonBatch | TableBatch, principal: Principal
    ) -> IngestResult:
        """A core enterprise's receipts and inspections of its suppliers' deliveries, as the
        suppliers' third-party records (`supply.feedback`)."""
        if kind not in FEEDBACK_CHECKS:
            raise UnknownKind(kind)
        if principal.org_kind is not OrgKind.CORE_ENTERPRISE:
            raise IngestDenied("feedback on deliveries is sent by the customer (core enterprise)")
        return self.events.append(
            kind, batch, submitter=principal.org, now=self.clock.now(),
            default_channel=Channel.THIRD_PARTY.value, extra_checks=FEEDBACK_CHECKS[kind],
        )  # fmt: skip

    def replay(self, kind: str, batch: TableBatch, principal: Principal) -> IngestResult:
        """Back-fill history through the same checks, keeping each row's submitter and arrival.

        Only the platform operator may do this: it vouches for when the data arrived.
        """
        if kind not in EVENT_KINDS:
            raise UnknownKind(kind)
        if principal.ingest_scope is not None or not principal.can("ingest"):
            raise IngestDenied("only the platform operator may replay history")
        return self.events.append(
            kind,
            batch,
            submitter=principal.org,
            now=self.clock.now(),
            default_channel=Channel.SYSTEM.value,
            filename="replay",
            replay=True,
        )

    def submit_master(
        self, kind: str, records: Sequence[object], principal: Principal
    ) -> MasterResult:
        """Validate master records one by one (they are few) and upsert the good ones."""
        model = MASTER_KINDS.get(kind)
        if model is None:
            raise UnknownKind(kind)
        if not principal.can("ingest"):
            raise IngestDenied(f"a {principal.org_kind.value} organisation cannot submit data")
        good: list[Master] = []
        rejections: list[Rejection] = []
        scope = principal.ingest_scope
        for index, raw in enumerate(records):
            try:
                rec = model.model_validate(raw)
            except ValidationError as exc:
                errors = [
                    {
                        "field": ".".join(str(p) for p in e["loc"]),
                        "code": e["type"],
                        "reason": e["msg"],
                    }
                    for e in exc.errors(include_url=False)
                ]
                rejections.append(Rejection(index=index, id=_code(raw), errors=errors))
                continue
            owner = rec.uscc if isinstance(rec, Organisation) else getattr(rec, "org", None)
            problem = None
            if scope is not None and owner != scope:
                problem = (
                    "scope",
                    f"you may only register master data of your own enterprise {scope}",
                )
            elif not isinstance(rec, Organisation) and self.master.organisation(str(owner)) is None:
                problem = ("unknown_ref", f"organisation {owner} is not registered on the platform")
            if problem:
                error = FieldError(field="org", code=problem[0], reason=problem[1])
                rejections.append(Rejection(index=index, id=_code(raw), errors=[error]))
                continue
            good.append(rec)
        if good:
            self.master.upsert(good, self.clock.now())
        return MasterResult(
            kind=kind,
            records=len(records),
            upserted=len(good),
            rejected=len(rejections),
            rejections=rejections,
        )


def _code(raw: object) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("code") or raw.get("uscc")
        return str(value) if value is not None else None
    return None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
