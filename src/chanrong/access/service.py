"""Accounts: organisations, people, sessions and gateway keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chanrong.access.rules import Principal, Role
from chanrong.access.secrets import hash_password, new_token, same, token_hash, verify_password
from chanrong.access.signatures import SignatureError, public_key_from_text, public_key_text, verify
from chanrong.access.throttle import LoginThrottle
from chanrong.clock import Clock
from chanrong.model.master import Organisation, OrgKind
from chanrong.store.accounts import AccountRepository
from chanrong.store.master import MasterRepository

SESSION_TTL = timedelta(hours=12)
API_KEY_PREFIX = "cr"


class AccessError(Exception):
    """A credential is missing, wrong, expired or not allowed to do this."""


class AccessService:
    def __init__(self, accounts: AccountRepository, master: MasterRepository, clock: Clock) -> None:
        self.accounts = accounts
        self.master = master
        self.clock = clock
        self.throttle = LoginThrottle(clock)

    def add_org(self, org: Organisation) -> Organisation:
        self.master.upsert([org], self.clock.now())
        return org

    def _org(self, uscc: str) -> Organisation:
        org = self.master.organisation(uscc)
        if org is None:
            raise AccessError(f"organisation {uscc} is not registered")
        return org

    def add_user(
        self,
        org: str,
        username: str,
        password: str,
        *,
        display_name: str | None = None,
        role: Role = Role.MEMBER,
    ) -> int:
        self._org(org)
        if self.accounts.user_by_name(username):
            raise AccessError(f"user name {username} is taken")
        return self.accounts.add_user(
            org,
            username,
            display_name or username,
            Role(role).value,
            hash_password(password),
            self.clock.now(),
        )

    def _principal(self, org_uscc: str, role: str, **who: object) -> Principal:
        org = self._org(org_uscc)
        return Principal(org=org.uscc, org_kind=OrgKind(org.org_kind), role=Role(role), **who)  # type: ignore[arg-type]

    # people ----------------------------------------------------------------------------------
    def login(self, username: str, password: str, client: str | None = None) -> str:
        """A new session token, or AccessError with the same message whatever was wrong;
        TooManyAttempts while the name or the client address is locked out."""
        self.throttle.check(username, client)
        user = self.accounts.user_by_name(username)
        if not user or user["disabled"] or not verify_password(user["password_hash"], password):
            self.throttle.failed(username, client)
            raise AccessError("wrong user name or password")
        self.throttle.succeeded(username)
        token = new_token()
        now = self.clock.now()
        self.accounts.add_session(token_hash(token), user["user_id"], now, now + SESSION_TTL)
        return token

    def logout(self, token: str) -> None:
        self.accounts.drop_session(token_hash(token))

    def session_principal(self, token: str) -> Principal:
        user = self.accounts.session_user(token_hash(token), self.clock.now())
        if not user:
            raise AccessError("session expired, please log in again")
        return self._principal(
            user["org"], user["role"], user_id=user["user_id"], username=user["username"],
            display_name=user["display_name"],
        )  # fmt: skip

    # gateways --------------------------------------------------------------------------------
    def create_api_key(self, org: str, name: str) -> str:
        """A key for one enterprise's gateway; shown once, stored only as a hash."""
        self._org(org)
        key_id, secret = new_token(6), new_token()
        key_id = key_id.replace("_", "x").replace("-", "y")
        self.accounts.add_api_key(key_id, org, name, token_hash(secret), self.clock.now())
        return f"{API_KEY_PREFIX}_{key_id}_{secret}"

    def api_key_principal(self, token: str) -> Principal:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
            raise AccessError("malformed API key")
        row = self.accounts.api_key(parts[1])
        if not row or not same(row["secret_hash"], token_hash(parts[2])):
            raise AccessError("unknown or revoked API key")
        return self._principal(
            row["org"], Role.MEMBER, api_key_id=row["key_id"], display_name=row["name"]
        )

    # device signing keys ------------------------------------------------------------------------
    def register_device_key(
        self, principal: Principal, public_key: str, device: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Register a gateway's or device's Ed25519 public key; batches it signs are marked."""
        if principal.api_key_id or principal.role is not Role.ADMIN or not principal.can("ingest"):
            raise AccessError("an administrator of the enterprise registers device keys")
        key = public_key_text(public_key_from_text(public_key))
        key_id = "dk_" + new_token(6).replace("_", "x").replace("-", "y")
        self.accounts.add_device_key(key_id, principal.org, device, key, name, self.clock.now())
        row = self.accounts.device_key(key_id)
        assert row is not None
        return row

    def revoke_device_key(self, principal: Principal, key_id: str) -> None:
        if principal.api_key_id or principal.role is not Role.ADMIN:
            raise AccessError("an administrator of the enterprise revokes device keys")
        if not self.accounts.revoke_device_key(key_id, principal.org, self.clock.now()):
            raise AccessError(f"no active device key {key_id} of your enterprise")

    def check_signature(
        self, principal: Principal, key_id: str, signature: str, body: bytes
    ) -> str:
        """The key id when `signature` is the submitter's device key over `body`."""
        row = self.accounts.device_key(key_id)
        if row is None or row["org"] != principal.org:
            raise SignatureError(f"unknown device key {key_id} for enterprise {principal.org}")
        if row["revoked_at"] is not None:
            raise SignatureError(f"device key {key_id} was revoked on {row['revoked_at']:%Y-%m-%d}")
        verify(row["public_key"], body, signature, key_id)
        return key_id
