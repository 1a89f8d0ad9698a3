"""Carbon accounts for firms and parks, read through the one consent door.

A firm's account (its own, or another's under a consent with scope carbon, audited) and a park's
view: aggregates over every member always; a member named in the ranking only under its consent
to the park. The factor library lives in the store: the official factors are written at start,
an operator adds newer ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from chanrong.access.consent import SCOPE_KINDS, Scope
from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal, Role
from chanrong.carbon.accounting import DEVICES_SQL, EMISSIONS_SQL, METERS_SQL, OUTPUT_SQL, fill
from chanrong.carbon.factors import OFFICIAL, Choice, Chosen, Factor, FactorError, choose
from chanrong.carbon.footprint import ALLOCATED_SQL, FOOTPRINT_SQL, MONTH, footprint_sql
from chanrong.carbon.quota import QUOTA_SQL
from chanrong.clock import Clock
from chanrong.indicators.engine import prepare
from chanrong.indicators.render import sql_list
from chanrong.indicators.views import BASE_UNITS
from chanrong.model.base import local_today
from chanrong.model.identifiers import MANUFACTURING_DIVISIONS
from chanrong.model.master import OrgKind
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository
from chanrong.workdays import fill as at_instant

# Reading another firm's carbon account takes a consent with scope carbon (it opens the account
# computed from the records: totals, intensity, footprints, quota use).
ACCOUNT_KIND = "carbon_account"
assert ACCOUNT_KIND in SCOPE_KINDS[Scope.CARBON]
PURPOSES = {OrgKind.BANK: "in_loan", OrgKind.CORE_ENTERPRISE: "supplier_performance",
            OrgKind.PARK: "park_services"}  # fmt: skip
MIN_GROUP = 3  # an industry with fewer firms in a park is shown as "other": no firm stands alone
TOP_FOOTPRINTS = 200
PCAF_METERED = 2  # PCAF data quality: emissions from primary physical activity data (energy)


class CarbonError(ValueError):
    """A request the rules do not allow (a period, a quota, a factor); the message says why."""


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _date(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def _t(rows: list[dict[str, Any]], col: str) -> float | None:
    vals = [r[col] for r in rows if r[col] is not None]
    return sum(vals) if vals else None


def _market(rows: list[dict[str, Any]]) -> float | None:
    """Market-based tCO2 of the rows with emissions; unknown when any of them has none (no
    residual grid factor for the year): a total without the electricity would look complete."""
    rows = [r for r in rows if r["scope"] is not None]
    if not rows or any(r["t_market"] is None for r in rows):
        return None
    return float(sum(r["t_market"] for r in rows))


def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


class CarbonService:
    def __init__(self, store: Store, consents: ConsentService, clock: Clock) -> None:
        self.store = store
        self.consents = consents
        self.clock = clock
        self.master = MasterRepository(store)
        self._ensure_official()

    # -- the factor library ----------------------------------------------------------------
    def _ensure_official(self) -> None:
        """Write the official factors the library lacks (an existing id is never changed)."""
        known = {
            r[0] for r in self.store.cursor().execute("SELECT id FROM carbon_factors").fetchall()
        }
        missing = [f for f in OFFICIAL if f.id not in known]
        if missing:
            self._insert(missing, "platform", self.clock.now())

    def _insert(self, factors: list[Factor], by: str, now: datetime) -> None:
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT INTO carbon_factors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[f.id, f.energy_type, f.scope, f.variant, f.series, f.year, f.region, f.value,
                  f.value_unit, f.t_per_base, f.source, by, now] for f in factors],
            )  # fmt: skip

    def factors(self) -> list[Factor]:
        rows = dicts(self.store.cursor().execute("SELECT * FROM carbon_factors ORDER BY id"))
        names = Factor.__dataclass_fields__
        return [Factor(**{k: v for k, v in r.items() if k in names}) for r in rows]

    def factor_rows(self) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM carbon_factors ORDER BY energy_type, year DESC, region, variant"))  # fmt: skip
        for r in rows:
            r["added_at"] = r["added_at"].isoformat()
        return rows

    def add_factor(self, principal: Principal, factor: Factor) -> dict[str, Any]:
        """An operator adds a factor (e.g. a newly published year); ids are never reused."""
        if principal.org_kind is not OrgKind.PLATFORM or principal.role is not Role.ADMIN:
            raise ConsentForbidden("only a platform administrator adds emission factors")
        try:
            factor.check()
        except FactorError as exc:
            raise CarbonError(str(exc)) from exc
        if any(f.id == factor.id for f in self.factors()):
            raise CarbonError(f"factor {factor.id} exists; a factor is never changed, add a new id")
        self._insert([factor], principal.username or principal.org, self.clock.now())
        return next(r for r in self.factor_rows() if r["id"] == factor.id)

    # -- choosing factors per firm ---------------------------------------------------------
    def _choose(self, orgs: list[str], year: int, choice: Choice) -> dict[str, Chosen]:
        try:
            choice.check()
            library = self.factors()
            regions = dict(self.store.cursor().execute(
                "SELECT uscc, region_code FROM organisations WHERE list_contains(?, uscc)",
                [orgs]).fetchall())  # fmt: skip
            return {o: choose(library, choice, year, regions.get(o)) for o in orgs}
        except FactorError as exc:
            raise CarbonError(str(exc)) from exc

    @staticmethod
    def _relation(chosen: dict[str, Chosen]) -> str:
        rows = ", ".join(
            f"({_q(o)}, [{', '.join(_q(i) for i in c.ids)}])" for o, c in chosen.items()
        )
        return f"SELECT * FROM (VALUES {rows}) t(org, ids)"

    def _period(self, start: date | None, end: date | None) -> tuple[date, date]:
        today = local_today(self.clock.now())
        end = end or today - timedelta(days=1)
        start = start or date(end.year, 1, 1)
        if start > end:
            raise CarbonError(f"the period starts ({start}) after it ends ({end})")
        if (end - start).days > 3 * 366:
            raise CarbonError("a period is at most three years")
        return start, end

    # -- computing ---------------------------------------------------------------------------
    def _compute(
        self, orgs: list[str], start: date, end: date, choice: Choice, bucket: str = MONTH
    ) -> tuple[dict[str, Chosen], list[dict[str, Any]], list[dict[str, Any]]]:
        """(factors chosen per firm, emission rows per firm x bucket x energy type, output
        value rows per firm x bucket x unit), for every firm in one pass each."""
        chosen = self._choose(orgs, end.year, choice)
        rel = self._relation(chosen)
        a, b = _date(start), _date(end)
        cur = self.store.cursor()
        try:
            em = dicts(cur.execute(fill(EMISSIONS_SQL, chosen=rel, start=a, end=b, bucket=bucket)))
            out_sql = fill(OUTPUT_SQL, chosen=rel, start=a, end=b, bucket=bucket)
            prepare(cur, sql_list(orgs), ("production_report", "sales_order"), [out_sql])
            out = dicts(cur.execute(out_sql))
        finally:
            cur.close()
        return chosen, em, out

    @staticmethod
    def _summary(em: list[dict[str, Any]], out: list[dict[str, Any]]) -> dict[str, Any]:
        """Totals, intensity and data credibility of one firm's (or a park's) rows."""
        t_loc, t_mkt = _t(em, "t_location"), _market(em)
        # a firm with readings but no fuel has a scope 1 of zero, not an unknown one
        scope = {s: _t([r for r in em if r["scope"] == s], "t_location") or (0.0 if em else None)
                 for s in (1, 2)}  # fmt: skip
        value = _t(out, "value")
        units = {r["unit"] for r in out}
        qty = _t(out, "qty")
        n = sum(r["n"] for r in em)
        per10k = lambda t: None if t is None or not value else t / (value / 10_000)  # noqa: E731
        return {
            "tce": _t(em, "tce") or 0.0, "t_location": t_loc, "t_market": t_mkt,
            "scope1": scope[1], "scope2_location": scope[2],
            "scope2_market": _market([r for r in em if r["scope"] == 2]),
            "green_kwh": _t(em, "green_kwh"),
            "output_value": value, "unpriced_reports": sum(r["unpriced"] for r in out),
            "t_per_10k_cny": per10k(t_loc), "t_per_10k_cny_market": per10k(t_mkt),
            "tce_per_10k_cny": per10k(_t(em, "tce")),
            "output_unit": next(iter(units)) if len(units) == 1 else None,
            "kg_per_unit": (
                1000 * t_loc / qty if len(units) == 1 and qty and t_loc is not None else None
            ),
            "readings": n,
            # PCAF (financed emissions): computed from the firm's own metered energy, option 2a
            "pcaf_score": PCAF_METERED if n else None,
            "device_share": sum(r["n_device"] for r in em) / n if n else None,
            "third_party_share": sum(r["n_third"] for r in em) / n if n else None,
        }  # fmt: skip

    @staticmethod
    def _by_type(em: list[dict[str, Any]]) -> list[dict[str, Any]]:
        acc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in em:
            acc[r["energy_type"]].append(r)
        total = sum(r["tce"] for r in em) or None
        return sorted(
            ({"energy_type": k, "unit": BASE_UNITS[k], "qty": _t(rs, "qty"), "tce": _t(rs, "tce"),
              "tce_share": (_t(rs, "tce") or 0) / total if total else None,
              "scope": rs[0]["scope"], "factor": rs[0]["factor"],
              "market_factor": rs[0]["market_factor"], "t_location": _t(rs, "t_location"),
              "t_market": _t(rs, "t_market"), "green_kwh": _t(rs, "green_kwh")}
             for k, rs in acc.items()),
            key=lambda r: -(r["tce"] or 0),
        )  # fmt: skip

    @staticmethod
    def _monthly(em: list[dict[str, Any]], out: list[dict[str, Any]]) -> list[dict[str, Any]]:
        e_by, o_by = _group(em, "bucket"), _group(out, "bucket")
        rows = []
        for m in sorted(set(e_by) | set(o_by)):
            e, o = e_by.get(m, []), o_by.get(m, [])
            value = _t(o, "value")
            t = _t(e, "t_location")
            rows.append({"month": m.strftime("%Y-%m"), "tce": _t(e, "tce") or 0.0,
                         "t_location": t, "t_market": _market(e), "output_value": value,
                         "t_per_10k_cny": t / (value / 10_000) if t is not None and value else None})  # fmt: skip
        return rows

    def _factors_used(self, chosen: dict[str, Chosen]) -> list[dict[str, Any]]:
        ids = {i for c in chosen.values() for i in c.ids}
        return [asdict(f) | {"scope": f.scope, "t_per_base": f.t_per_base}
                for f in self.factors() if f.id in ids]  # fmt: skip

    # -- a firm's account --------------------------------------------------------------------
    def account(
        self, principal: Principal, org: str, start: date | None = None, end: date | None = None,
        choice: Choice | None = None, purpose: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The firm's carbon account over the period (default: this year to yesterday)."""
        start, end = self._period(start, end)
        purpose = purpose or PURPOSES.get(principal.org_kind, "")
        result: dict[str, Any] = self.consents.read(
            principal, org, [ACCOUNT_KIND], purpose, "carbon account",
            lambda _: self._account(org, start, end, choice or Choice()),
        )  # fmt: skip
        return result

    def _account(self, org: str, start: date, end: date, choice: Choice) -> dict[str, Any]:
        firm = self.master.organisation(org)
        if firm is None:
            raise CarbonError(f"no organisation {org}")
        chosen, em, out = self._compute([org], start, end, choice)
        rel = self._relation(chosen)
        a, b = _date(start), _date(end)
        cur = self.store.cursor()
        meters = dicts(cur.execute(fill(METERS_SQL, chosen=rel, start=a, end=b, bucket=a)))
        devices = dicts(cur.execute(fill(DEVICES_SQL, chosen=rel, start=a, end=b, bucket=a)))
        names = dict(cur.execute("SELECT code, name FROM devices WHERE org = ?", [org]).fetchall())
        loc = self.factors_by_id()[chosen[org].location]
        for d in devices:
            d["name"] = names.get(d["device"], d["device"])
            d["t_location"] = d["kwh"] * loc.t_per_base
        for m in meters:
            m["name"] = names.get(m["meter"], m["meter"])
        prints = dicts(cur.execute(footprint_sql(FOOTPRINT_SQL, rel, a, b) +
                                   f" ORDER BY t DESC NULLS LAST LIMIT {TOP_FOOTPRINTS}"))  # fmt: skip
        alloc = dicts(cur.execute(footprint_sql(ALLOCATED_SQL, rel, a, b)))
        for p in prints:
            p["first_day"], p["last_day"] = p["first_day"].isoformat(), p["last_day"].isoformat()
        return {
            "firm": {"uscc": org, "name": firm.name, "industry_code": firm.industry_code,
                     "region_code": firm.region_code},
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "choice": asdict(choice), "notes": list(chosen[org].notes),
            "summary": self._summary(em, out), "by_energy": self._by_type(em),
            "monthly": self._monthly(em, out), "meters": meters, "devices": devices,
            "footprints": prints,
            "allocated_share": (alloc[0]["allocated"] / alloc[0]["t"]
                                if alloc and alloc[0]["t"] else None),
            "quotas": [q for q in self.quota_status() if q["org"] == org],
            "factors": self._factors_used(chosen),
        }  # fmt: skip

    def daily(
        self, orgs: list[str], start: date, end: date, choice: Choice | None = None
    ) -> list[dict[str, Any]]:
        """Energy (tce), emissions (location-based) and output value per day over the firms
        together: aggregates for a park's screen, no firm named."""
        if not orgs:
            return []
        _, em, out = self._compute(orgs, start, end, choice or Choice(region="auto"), "day")
        e_by, o_by = _group(em, "bucket"), _group(out, "bucket")
        return [{"day": d.isoformat(), "tce": _t(e_by.get(d, []), "tce"),
                 "t_location": _t(e_by.get(d, []), "t_location"),
                 "output_value": _t(o_by.get(d, []), "value")}
                for d in sorted(set(e_by) | set(o_by))]  # fmt: skip

    def factors_by_id(self) -> dict[str, Factor]:
        return {f.id: f for f in self.factors()}

    # -- quotas ------------------------------------------------------------------------------
    def quota_status(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every quota of the current year with its use and forecast, as of now."""
        now = now or self.clock.now()
        rows = dicts(self.store.cursor().execute(at_instant(QUOTA_SQL, now, local_today(now))))
        for r in rows:
            r["set_at"] = r["set_at"].isoformat()
            r["used_share"] = r["used"] / r["allowance"]
            r["forecast_share"] = r["forecast"] / r["allowance"]
            r["status"] = ("nodata" if r["readings"] == 0 else "over" if r["used"] > r["allowance"]
                           else "at_risk" if r["forecast"] > r["allowance"] else "on_track")  # fmt: skip
        return sorted(rows, key=lambda r: -r["forecast_share"])

    def set_quota(
        self, principal: Principal, org: str, year: int, allowance_t: float,
        market_based: bool = False, note: str | None = None, choice: Choice | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A park (or local government) sets a member firm's allowance for a year, with the
        factors its emissions are counted by (default: the national grid average)."""
        self._park_member(principal, org)
        if not 0 < allowance_t < 1e9:
            raise CarbonError("the allowance is a positive number of tonnes of CO2")
        if not 2000 <= year <= 2100:
            raise CarbonError(f"year {year}")
        chosen = self._choose([org], year, choice or Choice())[org]
        if market_based and chosen.market is None:
            raise CarbonError("market-based quotas need a residual grid factor for that year")
        ids = [i for i in chosen.ids if market_based or i != chosen.market]
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO carbon_quotas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [org, year, allowance_t, ids, market_based, note, principal.org,
                 principal.username or "?", self.clock.now()],
            )  # fmt: skip
        return {"org": org, "year": year, "allowance": allowance_t, "factor_ids": ids,
                "market_based": market_based, "note": note}  # fmt: skip

    def _park_member(self, principal: Principal, org: str) -> None:
        if principal.org_kind is not OrgKind.PARK or principal.api_key_id:
            raise ConsentForbidden("quotas are set by the park's people")
        if principal.role is Role.VIEWER:
            raise ConsentForbidden("a read-only user cannot set quotas")
        firm = self.master.organisation(org)
        if firm is None or firm.park != principal.org:
            raise CarbonError(f"{org} is not a member firm of your park")

    def remove_quota(self, principal: Principal, org: str, year: int) -> None:
        self._park_member(principal, org)
        with self.store.transaction() as cur:
            gone = cur.execute("DELETE FROM carbon_quotas WHERE org = ? AND year = ? RETURNING org",
                               [org, year]).fetchall()  # fmt: skip
        if not gone:
            raise CarbonError(f"{org} has no quota for {year}")

    def quotas(self, principal: Principal) -> list[dict[str, Any]]:
        """A park: its members' quotas (use and forecast of the named ones only under their
        consent, the rest counted); a firm: its own."""
        rows = self.quota_status()
        if principal.org_kind is OrgKind.SME:
            return [r for r in rows if r["org"] == principal.org]
        if principal.org_kind is not OrgKind.PARK:
            return []
        members = self.master.members(principal.org)
        named = self._named(principal, [r["org"] for r in rows if r["org"] in members])
        names = self.master.names(named)
        return [r | {"name": names.get(r["org"], r["org"])} for r in rows if r["org"] in named]

    # -- the park ----------------------------------------------------------------------------
    def _named(self, principal: Principal, orgs: list[str]) -> set[str]:
        """The firms that let the park see their carbon account (each read audited)."""
        live = set(self.consents.live(principal.org, PURPOSES[OrgKind.PARK]))
        named = set()
        for org in sorted(set(orgs) & live):
            try:
                self.consents.read(principal, org, [ACCOUNT_KIND], PURPOSES[OrgKind.PARK],
                                   "park carbon view", lambda _: None)  # fmt: skip
                named.add(org)
            except ConsentForbidden:
                continue
        return named

    def park(
        self, principal: Principal, start: date | None = None, end: date | None = None,
        choice: Choice | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The park's energy and carbon: totals, structure by energy type and by industry,
        monthly trend, firms ranked by intensity (named under consent) and quota use."""
        if principal.org_kind is not OrgKind.PARK:
            raise ConsentForbidden("the park view is for parks and local governments")
        start, end = self._period(start, end)
        choice = choice or Choice(region="auto")
        firms = self.master.members(principal.org)
        orgs = list(firms)
        if not orgs:
            raise CarbonError("the park has no member firms")
        chosen, em, out = self._compute(orgs, start, end, choice)
        e_by, o_by = _group(em, "org"), _group(out, "org")
        per = {o: self._summary(e_by.get(o, []), o_by.get(o, []))
               for o in orgs}  # fmt: skip
        named = self._named(principal, orgs)
        ranked = sorted((o for o in orgs if per[o]["t_per_10k_cny"] is not None),
                        key=lambda o: per[o]["t_per_10k_cny"])  # fmt: skip
        ranking = [
            {"rank": i + 1, "org": o, "name": firms[o]["name"],
             "industry_code": firms[o]["industry_code"]} | per[o]
            for i, o in enumerate(ranked) if o in named
        ]  # fmt: skip
        industry: dict[str, list[str]] = defaultdict(list)
        for o in orgs:
            industry[(firms[o]["industry_code"] or "")[:3]].append(o)
        groups: dict[str, list[str]] = defaultdict(list)
        for code, members in industry.items():
            groups[code if code and len(members) >= MIN_GROUP else "other"] += members
        by_industry: list[dict[str, Any]] = [
            {"industry": code, "industry_name": MANUFACTURING_DIVISIONS.get(code), "firms": len(ms)}
            | self._summary(
                [r for o in ms for r in e_by.get(o, [])], [r for o in ms for r in o_by.get(o, [])])
            for code, ms in groups.items()
        ]  # fmt: skip
        by_industry.sort(key=lambda r: -(r["t_location"] or 0))
        quotas = self.quota_status()
        mine = [q for q in quotas if q["org"] in set(orgs)]
        return {
            "park": {"uscc": principal.org, "name": self.master.names({principal.org}).get(
                principal.org, principal.org)},
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "choice": asdict(choice), "firms": len(orgs),
            "reporting": sum(1 for o in orgs if per[o]["readings"]),
            "summary": self._summary(em, out), "by_energy": self._by_type(em),
            "by_industry": by_industry, "monthly": self._monthly(em, out),
            "ranking": ranking, "ranked": len(ranked), "not_named": len(ranked) - len(ranking),
            "quota_counts": {s: sum(1 for q in mine if q["status"] == s)
                             for s in ("over", "at_risk", "on_track", "nodata")},
            "quotas": [q | {"name": firms[q["org"]]["name"]} for q in mine if q["org"] in named],
            "factors": self._factors_used(chosen),
            "notes": list({n["en"]: n for c in chosen.values() for n in c.notes}.values()),
        }  # fmt: skip
