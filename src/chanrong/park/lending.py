"""Park-wide credit (整园授信) as a bank and a park use it: the bank sets its pool for a park and
shares it among the park's firms that authorised it, from its scorecard (each score kept as a
decision record); both follow the allocation, what has been drawn and how concentrated it is.
The bank sees its own decisions by name; the park sees the totals, and a firm by name only when
that firm authorised the park for its credit standing (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal, Role
from chanrong.clock import Clock
from chanrong.finance.portfolio import live_loans
from chanrong.finance.scoring import NoModel, ScoringService
from chanrong.model.base import local_today
from chanrong.model.master import OrgKind
from chanrong.park.credit import allocate, concentration
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

# the consents a bank lends under; a firm that gave either is a candidate
LENDING_PURPOSES = ("pre_loan", "in_loan")
PARK_PURPOSE = "park_services"
# Drawn on a pool: the bank's live park-credit loans to the park's firms.
DRAWN_SQL = f"""
SELECT org, sum(principal)::DOUBLE AS drawn, count(*) AS loans FROM ({
    live_loans(
        "lender = $bank AND loan_type = 'park_credit' AND org IN "
        "(SELECT uscc FROM organisations WHERE park = $park)"
    )
})
GROUP BY org
"""


class LendingError(ValueError):
    """A pool or an allocation the rules do not allow; the message says why."""


class ParkLending:
    def __init__(
        self, store: Store, consents: ConsentService, scoring: ScoringService, clock: Clock
    ) -> None:
        self.store = store
        self.consents = consents
        self.scoring = scoring
        self.clock = clock
        self.master = MasterRepository(store)

    @staticmethod
    def _bank(principal: Principal) -> None:
        if principal.org_kind is not OrgKind.BANK or principal.role is Role.VIEWER:
            raise ConsentForbidden("park credit pools are set by a bank's credit staff")

    def _park(self, park: str) -> None:
        org = self.master.organisation(park)
        if org is None or org.org_kind != OrgKind.PARK:
            raise LendingError(f"{park} is not a registered park")

    def set_pool(
        self, principal: Principal, park: str, amount: float, max_share: float = 0.1,
        end_date: date | None = None, note: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The bank's credit pool for the park (its whole-park line), kept until changed."""
        self._bank(principal)
        self._park(park)
        if not 0 < amount < 1e13:
            raise LendingError("the pool is a positive amount of 元")
        if not 0 < max_share <= 1:
            raise LendingError("max_share, the largest share one firm may get, is in (0, 1]")
        with self.store.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO park_credit_pools VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [principal.org, park, amount, max_share, end_date, note,
                         principal.username or "?", self.clock.now()])  # fmt: skip
        return self.bank_view(principal, park)

    def _pool(self, bank: str, park: str) -> dict[str, Any]:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM park_credit_pools WHERE bank = ? AND park = ?", [bank, park]))  # fmt: skip
        if not rows:
            raise LendingError(f"no credit pool of {bank} for {park}; set one first")
        return rows[0]

    def allocate(self, principal: Principal, park: str) -> dict[str, Any]:
        """Score every park firm that authorised the bank (pre_loan or in_loan) with the bank's
        active scorecard, and share the pool by their suggested lines (park.credit)."""
        self._bank(principal)
        pool = self._pool(principal.org, park)
        members = set(self.master.members(park))
        day = local_today(self.clock.now())
        scored: dict[str, dict[str, Any]] = {}
        for purpose in LENDING_PURPOSES:
            for org in sorted(members & set(self.consents.live(principal.org, purpose))):
                if org in scored:
                    continue
                try:
                    scored[org] = self.scoring.score(principal, org, purpose, day)
                except NoModel as exc:
                    raise LendingError("train or activate a scorecard first") from exc
                except ConsentForbidden:
                    continue
        asks = {o: 0.0 if s["knockouts"] or s["line"].get("declined") else float(s["line"]["amount"])
                for o, s in scored.items()}  # fmt: skip
        shares = allocate(pool["amount"], asks, pool["max_share"])
        now = self.clock.now()
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM park_credit_allocations WHERE bank = ? AND park = ?",
                        [principal.org, park])  # fmt: skip
            cur.executemany(
                "INSERT INTO park_credit_allocations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[principal.org, park, o, asks[o], shares[o], s["score"], s["pd"], s["rating"],
                  s["knockouts"], day, principal.username or "?", now] for o, s in scored.items()],
            )  # fmt: skip
        return self.bank_view(principal, park)

    def _rows(self, bank: str, park: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        cur = self.store.cursor()
        rows = dicts(cur.execute(
            "SELECT * FROM park_credit_allocations WHERE bank = ? AND park = ? "
            "ORDER BY allocated DESC, org", [bank, park]))  # fmt: skip
        drawn = {r["org"]: r for r in dicts(cur.execute(
            DRAWN_SQL, {"bank": bank, "park": park, "day": local_today(self.clock.now())}))}  # fmt: skip
        for r in rows:
            d = drawn.get(r["org"], {})
            r["drawn"], r["loans"] = d.get("drawn", 0.0), d.get("loans", 0)
            r["used"] = r["drawn"] / r["allocated"] if r["allocated"] else None
            r["as_of"], r["allocated_at"] = r["as_of"].isoformat(), r["allocated_at"].isoformat()
        # drawn by firms without an allocation (a loan booked outside the scheme) counts too
        extra = sum(d["drawn"] for o, d in drawn.items() if o not in {r["org"] for r in rows})
        return rows, {"drawn_unallocated": extra}

    def _summary(
        self, pool: dict[str, Any], rows: list[dict[str, Any]], extra: float
    ) -> dict[str, Any]:
        allocated = sum(r["allocated"] for r in rows)
        drawn = sum(r["drawn"] for r in rows) + extra
        return {
            "bank": pool["bank"], "park": pool["park"], "amount": pool["amount"],
            "max_share": pool["max_share"],
            "end_date": pool["end_date"].isoformat() if pool["end_date"] else None,
            "note": pool["note"], "candidates": len(rows),
            "firms_allocated": sum(1 for r in rows if r["allocated"] > 0),
            "allocated": allocated, "unallocated": pool["amount"] - allocated, "drawn": drawn,
            "used_of_allocated": drawn / allocated if allocated else None,
            "used_of_pool": drawn / pool["amount"],
            "concentration": concentration({r["org"]: r["allocated"] for r in rows}),
            "drawn_concentration": concentration({r["org"]: r["drawn"] for r in rows}),
            "allocated_at": rows[0]["allocated_at"] if rows else None,
        }  # fmt: skip

    def bank_view(self, principal: Principal, park: str) -> dict[str, Any]:
        """The bank's pool for the park with its own decisions by name."""
        self._bank(principal)
        pool = self._pool(principal.org, park)
        rows, extra = self._rows(principal.org, park)
        names = self.master.names({r["org"] for r in rows} | {park})
        for r in rows:
            r["name"] = names.get(r["org"], r["org"])
        return self._summary(pool, rows, extra["drawn_unallocated"]) | {
            "park_name": names.get(park, park),
            "firms": rows,
        }

    def pools_of(self, principal: Principal) -> list[dict[str, Any]]:
        """A bank's pools (every park), or the pools banks set for a park, as summaries."""
        if principal.org_kind is OrgKind.BANK:
            sql, arg = "SELECT * FROM park_credit_pools WHERE bank = ?", principal.org
        elif principal.org_kind is OrgKind.PARK:
            sql, arg = "SELECT * FROM park_credit_pools WHERE park = ?", principal.org
        else:
            raise ConsentForbidden("park credit is for banks and parks")
        pools = dicts(self.store.cursor().execute(sql + " ORDER BY amount DESC", [arg]))
        names = self.master.names({p["bank"] for p in pools} | {p["park"] for p in pools})
        out = []
        for pool in pools:
            rows, extra = self._rows(pool["bank"], pool["park"])
            summary = self._summary(pool, rows, extra["drawn_unallocated"])
            summary |= {"bank_name": names.get(pool["bank"]), "park_name": names.get(pool["park"])}
            if principal.org_kind is OrgKind.PARK:
                summary["firms"] = self._named(principal, rows)
                summary["not_named"] = len(rows) - len(summary["firms"])
            out.append(summary)
        return out

    def _named(self, principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The allocations a park may see by name: firms that authorised it to read their
        credit standing (loans) for park services, each read audited."""
        live = set(self.consents.live(principal.org, PARK_PURPOSE))
        names = self.master.names({r["org"] for r in rows})
        shown = []
        for r in rows:
            if r["org"] not in live:
                continue
            try:
                self.consents.read(principal, r["org"], ["loan"], PARK_PURPOSE,
                                   "park credit allocation", lambda _: None)  # fmt: skip
            except ConsentForbidden:
                continue
            shown.append(r | {"name": names.get(r["org"], r["org"])})
        return shown
