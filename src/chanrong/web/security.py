"""Browser-facing protections: security headers on every response, CSRF tokens for cookie
sessions (double submit: a cookie and the same value in the form or an X-CSRF-Token header)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import HTTPException, Request

from chanrong.web.deps import SESSION_COOKIE

CSRF_COOKIE = "chanrong_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The content types a cross-site page can send without a CORS preflight.
SIMPLE_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain", ""}
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    # Plotly adds <style> elements; every script is served from this origin.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    ),
}
# The interactive API docs load their own inline script and CDN-free assets from FastAPI.
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")


async def security_middleware(request: Request, call_next: Any) -> Any:
    """Give every browser a CSRF cookie and every response the security headers."""
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not token or len(token) < 32
    request.state.csrf = secrets.token_urlsafe(32) if fresh else token
    response = await call_next(request)
    for name, value in HEADERS.items():
        if name == "Content-Security-Policy" and request.url.path.startswith(DOCS_PATHS):
            continue
        response.headers.setdefault(name, value)
    if request.url.scheme == "https":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if fresh:
        response.set_cookie(CSRF_COOKIE, request.state.csrf, samesite="strict", httponly=False,
                            secure=request.url.scheme == "https")  # fmt: skip
    return response


def _uses_api_key(request: Request) -> bool:
    auth = request.headers.get("authorization", "")
    return bool(request.headers.get("x-api-key")) or auth.lower().startswith("bearer ")


async def csrf_guard(request: Request) -> None:
    """Refuse an unsafe request that rides on browser cookies without the CSRF token.

    Calls with an API key carry no ambient credentials and need none.
    """
    if request.method not in UNSAFE or _uses_api_key(request):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.url.path.startswith("/api/") and (
        SESSION_COOKIE not in request.cookies or content_type not in SIMPLE_TYPES
    ):
        # Without a session there is nothing to abuse; and a JSON, Arrow or Parquet body cannot
        # be sent cross-site without a CORS preflight, which this server never grants.
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in content_type:
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not secrets.compare_digest(expected, sent):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
