"""Wire one store to the services that use it: what the web app and the CLI both hold."""

from __future__ import annotations

from pathlib import Path

from chanrong.access.consents import ConsentService
from chanrong.access.service import AccessService
from chanrong.alerts.service import AlertService
from chanrong.carbon.service import CarbonService
from chanrong.clock import Clock, SystemClock
from chanrong.finance.pledges import PledgeMonitor
from chanrong.finance.portfolio import Portfolio
from chanrong.finance.receivables import Receivables
from chanrong.finance.report import CreditReports
from chanrong.finance.scoring import ScoringService
from chanrong.finance.service import BankService, TradeChecks
from chanrong.grading.service import GradingService
from chanrong.identifiers.service import Resolver
from chanrong.identifiers.trace import Tracer
from chanrong.indicators.service import IndicatorService
from chanrong.ingest.service import IngestService
from chanrong.ledger.keys import Keyring
from chanrong.ledger.log import Ledger
from chanrong.park.lending import ParkLending
from chanrong.park.service import ParkService
from chanrong.store.accounts import AccountRepository
from chanrong.store.consents import ConsentRepository
from chanrong.store.db import Store
from chanrong.store.events import EventRepository
from chanrong.store.master import MasterRepository
from chanrong.supply.cards import SupplierCards
from chanrong.supply.service import SupplyService
from chanrong.supply.sourcing import Sourcing


class Platform:
    def __init__(self, store: Store, clock: Clock | None = None, *, ledger: bool = True) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.ledger = Ledger(store, Keyring(key_directory(store.path)), self.clock)
        # Without the ledger (benchmarks only) batches are stored unsealed; the audit lists them.
        self.events = EventRepository(store, self.ledger if ledger else None)
        self.master = MasterRepository(store)
        self.accounts = AccountRepository(store)
        self.access = AccessService(self.accounts, self.master, self.clock)
        self.ingest = IngestService(self.events, self.master, self.clock)
        self.consents = ConsentService(
            ConsentRepository(store, self.ledger), self.master, self.clock
        )
        self.resolver = Resolver(store, self.master, self.consents)
        self.tracer = Tracer(store, self.master, self.consents)
        self.indicators = IndicatorService(store, self.consents, self.clock)
        self.grading = GradingService(store, self.indicators, self.consents, self.clock)
        self.bank = BankService(self.consents, self.indicators, self.grading, self.master,
                                self.clock)  # fmt: skip
        self.trades = TradeChecks(store, self.consents, self.indicators, self.clock)
        self.scoring = ScoringService(store, self.bank, self.clock)
        self.alerts = AlertService(store, self.consents, self.clock)
        self.supply = SupplyService(store, self.consents, self.clock)
        self.cards = SupplierCards(store, self.consents, self.indicators, self.clock)
        self.sourcing = Sourcing(self.consents, self.indicators, self.grading, self.master,
                                 self.clock)  # fmt: skip
        self.carbon = CarbonService(store, self.consents, self.clock)
        self.park = ParkService(store, self.consents, self.bank, self.grading, self.carbon,
                                self.alerts, self.clock)  # fmt: skip
        self.lending = ParkLending(store, self.consents, self.scoring, self.clock)
        self.pledges = PledgeMonitor(store, self.consents, self.clock)
        self.receivables = Receivables(store, self.trades, self.clock)
        self.portfolio = Portfolio(store, self.alerts, self.clock)
        self.reports = CreditReports(store, self.ledger if ledger else None, self.indicators,
                                     self.grading, self.bank, self.scoring, self.alerts,
                                     self.trades, self.clock)  # fmt: skip

    @classmethod
    def open(
        cls,
        path: str | Path,
        clock: Clock | None = None,
        *,
        memory_limit: str | None = None,
        ledger: bool = True,
    ) -> Platform:
        return cls(Store(path, memory_limit=memory_limit), clock, ledger=ledger)

    def close(self) -> None:
        self.store.close()


def key_directory(db_path: str) -> Path | None:
    """Where the ledger's private signing keys live: beside the database file, never inside it."""
    if db_path == ":memory:":
        return None
    path = Path(db_path)
    return path.with_name(path.stem + ".ledger-keys")
