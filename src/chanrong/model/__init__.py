"""The canonical data model: the contract every channel produces and every reader sees."""

from chanrong.model.base import Channel, Event, Record
from chanrong.model.events import EVENT_KINDS, EVENT_MODELS
from chanrong.model.identifiers import is_valid_uscc, normalise_industry_code, uscc_problem
from chanrong.model.master import MASTER_KINDS, MASTER_MODELS, Master, OrgKind

RECORD_MODELS: tuple[type[Event] | type[Master], ...] = (*EVENT_MODELS, *MASTER_MODELS)

__all__ = [
    "EVENT_KINDS",
    "EVENT_MODELS",
    "MASTER_KINDS",
    "MASTER_MODELS",
    "RECORD_MODELS",
    "Channel",
    "Event",
    "Master",
    "OrgKind",
    "Record",
    "is_valid_uscc",
    "normalise_industry_code",
    "uscc_problem",
]
