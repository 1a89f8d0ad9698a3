"""Log in and out of the web UI; who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from chanrong.access.rules import navigation_for
from chanrong.access.service import SESSION_TTL, AccessError
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


@router.post("/login")
async def login(creds: Credentials, response: Response, platform: PlatformDep) -> dict[str, str]:
    try:
        token = await run_in_threadpool(platform.access.login, creds.username, creds.password)
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
