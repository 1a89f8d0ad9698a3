"""The feedback loop (反馈): a core enterprise's goods receipts and incoming inspections of its
suppliers' deliveries, stored as the supplier's records attested by a third party (他证).

They enter through the one ingest pipeline (same checks, quarantine, idempotency, ledger) with
these checks added, so a customer can attest only its own deliveries:
- shipment: status receipt_confirmed, consignee the customer itself, and a shipment of that
  number from the supplier to the customer already on the platform;
- quality_inspection: stage customer, its lot the number of such a shipment.
"""

from __future__ import annotations

from chanrong.store.checks import Check

_SHIPPED_TO_ME = ("EXISTS (SELECT 1 FROM ev_shipment s WHERE s.org = t.org AND "
                  "s.shipment_no = {no} AND s.consignee = $submitter AND s.status = 'shipped')")  # fmt: skip
_NOT_SHIPPED = "'no shipment ' || coalesce({no}, '') || ' of ' || t.org || ' to you is known'"

FEEDBACK_CHECKS: dict[str, tuple[Check, ...]] = {
    "shipment": (
        Check("t.status <> 'receipt_confirmed'", "status", "scope",
              "'a customer confirms receipt (receipt_confirmed), not ' || t.status"),
        Check("t.consignee <> $submitter", "consignee", "scope",
              "'you may only confirm deliveries made to yourself'"),
        Check("NOT " + _SHIPPED_TO_ME.format(no="t.shipment_no"), "shipment_no", "unknown_ref",
              _NOT_SHIPPED.format(no="t.shipment_no")),
    ),
    "quality_inspection": (
        Check("t.stage <> 'customer'", "stage", "scope",
              "'a customer sends its own inspections (stage customer), not ' || t.stage"),
        Check("t.lot IS NULL OR NOT " + _SHIPPED_TO_ME.format(no="t.lot"), "lot", "unknown_ref",
              _NOT_SHIPPED.format(no="t.lot")),
    ),
}  # fmt: skip
