"""Log in and out of the web UI; who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from chanrong.access.rules import navigation_for
from chanrong.access.service import SESSION_TTL, AccessError
from chanrong.access.signatures import SignatureError
from chanrong.access.throttle import TooManyAttempts
from chanrong.web.deps import SESSION_COOKIE, PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1/auth", tags=["accounts"])


class Credentials(BaseModel):
    username: str
    password: str


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
    )


@router.post("/login", responses={429: {"description": "too many failed logins"}})
async def login(
    creds: Credentials, request: Request, response: Response, platform: PlatformDep
) -> dict[str, str]:
    """Log in; five failed attempts for a name (twenty from one address) lock it for 15 minutes."""
    client = request.client.host if request.client else None
    try:
        token = await run_in_threadpool(
            platform.access.login, creds.username, creds.password, client
        )
    except TooManyAttempts as exc:
        seconds = str(int(exc.retry_after.total_seconds()) + 1)
        raise HTTPException(429, str(exc), headers={"Retry-After": seconds}) from exc
    except AccessError as exc:
        raise HTTPException(401, str(exc)) from exc
    set_session_cookie(response, token)
    return {"token": token}


@router.post("/logout")
def logout(response: Response, platform: PlatformDep, principal: PrincipalDep) -> dict[str, str]:
    response.delete_cookie(SESSION_COOKIE)
    return {"status": "logged out"}


@router.get("/me")
def me(principal: PrincipalDep) -> dict[str, Any]:
    return {
        "org": principal.org,
        "org_kind": principal.org_kind.value,
        "role": principal.role.value,
        "username": principal.username,
        "api_key_id": principal.api_key_id,
        "navigation": [path for _, path in navigation_for(principal)],
    }


keys = APIRouter(prefix="/api/v1", tags=["accounts"])


class DeviceKeyIn(BaseModel):
    public_key: str = Field(description="Ed25519 public key: base64 of its 32 bytes, or PEM")
    device: str | None = Field(None, description="the device or gateway code it belongs to")
    name: str | None = Field(None, max_length=200)


@keys.post("/device-keys", status_code=201)
def add_device_key(
    body: DeviceKeyIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Register a gateway's or device's public key; batches it signs are marked device-signed."""
    try:
        return platform.access.register_device_key(principal, body.public_key, body.device,
                                                   body.name)  # fmt: skip
    except AccessError as exc:
        raise HTTPException(403, str(exc)) from exc
    except SignatureError as exc:
        raise HTTPException(400, str(exc)) from exc


@keys.get("/device-keys")
def device_keys(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your enterprise's device keys."""
    return platform.accounts.device_keys(principal.org)


@keys.delete("/device-keys/{key_id}")
def revoke_device_key(
    key_id: str, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, str]:
    try:
        platform.access.revoke_device_key(principal, key_id)
    except AccessError as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"status": "revoked", "key_id": key_id}
