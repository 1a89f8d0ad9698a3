"""The table layout the contract implies.

Migrations are frozen SQL files (an old database must migrate the same way forever); this module
says what the tables should look like today, so a test can prove the migrations and the model
have not drifted apart, and `python -m chanrong.store.schema` prints the DDL for a new migration.
"""

from __future__ import annotations

from chanrong.model import RECORD_MODELS, Event, Master
from chanrong.model.spec import fields_of

# Columns the store adds to every event: who submitted it, in which batch, when it arrived.
EVENT_META_COLUMNS = (
    ("submitter", "VARCHAR NOT NULL"),
    ("batch_id", "BIGINT NOT NULL"),
    ("received_at", "TIMESTAMPTZ NOT NULL"),
)
MASTER_META_COLUMNS = (("updated_at", "TIMESTAMPTZ NOT NULL"),)


def master_key(model: type[Master]) -> tuple[str, ...]:
    names = [f.name for f in fields_of(model)]
    return ("uscc",) if "uscc" in names else ("org", "code")


def expected_columns(model: type[Event] | type[Master]) -> list[tuple[str, str]]:
    cols = [(f.name, f.sql_type + (" NOT NULL" if f.required else "")) for f in fields_of(model)]
    meta = EVENT_META_COLUMNS if issubclass(model, Event) else MASTER_META_COLUMNS
    return cols + list(meta)


def table_ddl(model: type[Event] | type[Master]) -> str:
    lines = [f"    {name} {sql}" for name, sql in expected_columns(model)]
    if not issubclass(model, Event):
        # Event tables have no index: an ART index grows in memory with every row and makes
        # each checkpoint rewrite it; the store finds duplicates by a time-pruned anti-join.
        lines.append(f"    PRIMARY KEY ({', '.join(master_key(model))})")
    return f"CREATE TABLE {model.table} (\n" + ",\n".join(lines) + "\n);\n"


def all_ddl() -> str:
    return "\n".join(table_ddl(m) for m in RECORD_MODELS)


if __name__ == "__main__":
    print(all_ddl())
