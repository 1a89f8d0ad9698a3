"""Users, web sessions and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chanrong.store.db import Store, dicts


class AccountRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # users -----------------------------------------------------------------------------------
    def add_user(
        self,
        org: str,
        username: str,
        display_name: str,
        role: str,
        password_hash: str,
        now: datetime,
    ) -> int:
        with self.store.transaction() as cur:
            row = cur.execute(
                "INSERT INTO users (user_id, org, username, display_name, role, password_hash, created_at) "
                "SELECT coalesce(max(user_id), 0) + 1, ?, ?, ?, ?, ?, ? FROM users RETURNING user_id",
                [org, username, display_name, role, password_hash, now],
            ).fetchone()
        return int(row[0]) if row else 0

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        rows = dicts(
            self.store.cursor().execute("SELECT * FROM users WHERE username = ?", [username])
        )
        return rows[0] if rows else None

    def user(self, user_id: int) -> dict[str, Any] | None:
        rows = dicts(
            self.store.cursor().execute("SELECT * FROM users WHERE user_id = ?", [user_id])
        )
        return rows[0] if rows else None

    def users(self, org: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE org = ?", [org]) if org else ("", [])
        return dicts(
            self.store.cursor().execute(
                f"SELECT user_id, org, username, display_name, role, created_at, disabled FROM users {where} "
                "ORDER BY user_id",
                args,
            )
        )

    # sessions --------------------------------------------------------------------------------
    def add_session(
        self, token_hash: str, user_id: int, now: datetime, expires_at: datetime
    ) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
            cur.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)", [token_hash, user_id, now, expires_at]
            )

    def session_user(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        rows = dicts(
            self.store.cursor().execute(
                "SELECT u.* FROM sessions s JOIN users u USING (user_id) "
                "WHERE s.token_hash = ? AND s.expires_at > ? AND NOT u.disabled",
                [token_hash, now],
            )
        )
        return rows[0] if rows else None

    def drop_session(self, token_hash: str) -> None:
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])

    # API keys --------------------------------------------------------------------------------
    def add_api_key(
        self, key_id: str, org: str, name: str, secret_hash: str, now: datetime
    ) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO api_keys (key_id, org, name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [key_id, org, name, secret_hash, now],
            )

    def api_key(self, key_id: str) -> dict[str, Any] | None:
        rows = dicts(
            self.store.cursor().execute(
                "SELECT * FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", [key_id]
            )
        )
        return rows[0] if rows else None

    def revoke_api_key(self, key_id: str, now: datetime) -> bool:
        with self.store.transaction() as cur:
            row = cur.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                [now, key_id],
            ).fetchone()
        return bool(row and row[0])

    def api_keys(self, org: str) -> list[dict[str, Any]]:
        return dicts(
            self.store.cursor().execute(
                "SELECT key_id, org, name, created_at, revoked_at FROM api_keys WHERE org = ? ORDER BY created_at",
                [org],
            )
        )

    # device signing keys ----------------------------------------------------------------------
    def add_device_key(
        self, key_id: str, org: str, device: str | None, public_key: str, name: str | None,
        now: datetime,
    ) -> None:  # fmt: skip
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO device_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
                [key_id, org, device, public_key, name, now],
            )

    def device_key(self, key_id: str) -> dict[str, Any] | None:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM device_keys WHERE key_id = ?", [key_id]))  # fmt: skip
        return rows[0] if rows else None

    def device_keys(self, org: str) -> list[dict[str, Any]]:
        return dicts(self.store.cursor().execute(
            "SELECT * FROM device_keys WHERE org = ? ORDER BY created_at DESC", [org]))  # fmt: skip

    def revoke_device_key(self, key_id: str, org: str, now: datetime) -> bool:
        with self.store.transaction() as cur:
            row = cur.execute(
                "UPDATE device_keys SET revoked_at = ? WHERE key_id = ? AND org = ? "
                "AND revoked_at IS NULL RETURNING 1",
                [now, key_id, org],
            ).fetchone()
        return row is not None
