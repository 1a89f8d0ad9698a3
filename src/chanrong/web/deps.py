"""Request plumbing shared by the API and the pages: the platform, the caller, the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from chanrong.access.rules import Principal
from chanrong.access.service import AccessError
from chanrong.i18n import DEFAULT_LANGUAGE, LANGUAGES
from chanrong.platform import Platform

SESSION_COOKIE = "chanrong_session"
LANG_COOKIE = "lang"


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def credentials_principal(request: Request) -> Principal | None:
    """The caller from an API key (Authorization: Bearer / X-API-Key) or a session cookie."""
    platform = get_platform(request)
    auth = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key") or (
        auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    )
    try:
        if key:
            return platform.access.api_key_principal(key)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            return platform.access.session_principal(token)
    except AccessError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc
    return None


def require_principal(request: Request) -> Principal:
    principal = credentials_principal(request)
    if principal is None:
        raise HTTPException(
            401, "log in or send an API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


PlatformDep = Annotated[Platform, Depends(get_platform)]
PrincipalDep = Annotated[Principal, Depends(require_principal)]
LangDep = Annotated[str, Depends(language)]
