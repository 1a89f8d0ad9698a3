"""Receivable financing: an invoice is advanced against only when its trade chain holds."""

from __future__ import annotations


def _invoice(**over: object) -> dict:
    links = {"order": "ok", "production": "ok", "warehouse": "ok", "shipment": "ok",
             "delivery": "ok", "payment": "open"}  # fmt: skip
    links.update(over.pop("links", {}))  # type: ignore[arg-type]
    base = {"invoice_no": "INV-1", "counterparty": "X", "issue_date": "2026-03-01",
            "amount": 10_000.0, "paid": 2_000.0, "e_invoice": True, "reasons": [],
            "links": [{"link": k, "status": v, "evidence": f"{k} {v}"} for k, v in links.items()]}  # fmt: skip
    return {**base, **over}


def test_a_receivable_is_financeable_only_when_its_chain_holds() -> None:
    from chanrong.finance.receivables import verdict

    ok = verdict(_invoice(), 0.8)
    assert ok["eligible"] and ok["outstanding"] == 8_000 and ok["advance"] == 6_400
    suspect = verdict(_invoice(reasons=["order: the invoice names no sales order"]))
    assert not suspect["eligible"] and suspect["advance"] == 0
    undelivered = verdict(_invoice(links={"delivery": "broken"}))
    assert undelivered["reasons"] == ["goods not delivered: no receivable yet"]
    overdue = verdict(_invoice(links={"payment": "broken"}))
    assert overdue["reasons"] == ["overdue: payment broken"]
    paid = verdict(_invoice(paid=10_000.0, links={"payment": "ok"}))
    assert paid["reasons"] == ["already paid"] and not paid["eligible"]
