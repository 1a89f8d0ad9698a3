"""Wire one store to the services that use it: what the web app and the CLI both hold."""

from __future__ import annotations

from pathlib import Path

from chanrong.access.consents import ConsentService
from chanrong.access.service import AccessService
from chanrong.clock import Clock, SystemClock
from chanrong.identifiers.service import Resolver
from chanrong.identifiers.trace import Tracer
from chanrong.ingest.service import IngestService
from chanrong.store.accounts import AccountRepository
from chanrong.store.consents import ConsentRepository
from chanrong.store.db import Store
from chanrong.store.events import EventRepository
from chanrong.store.master import MasterRepository


class Platform:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.events = EventRepository(store)
        self.master = MasterRepository(store)
        self.accounts = AccountRepository(store)
        self.access = AccessService(self.accounts, self.master, self.clock)
        self.ingest = IngestService(self.events, self.master, self.clock)
        self.consents = ConsentService(ConsentRepository(store), self.master, self.clock)
        self.resolver = Resolver(store, self.master, self.consents)
        self.tracer = Tracer(store, self.master, self.consents)

    @classmethod
    def open(
        cls, path: str | Path, clock: Clock | None = None, *, memory_limit: str | None = None
    ) -> Platform:
        return cls(Store(path, memory_limit=memory_limit), clock)

    def close(self) -> None:
        self.store.close()
