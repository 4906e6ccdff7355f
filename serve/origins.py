"""Cross-origin requests. Browsers may read the API's answers only from the origins listed in
`OCRCHAT_CORS_ORIGINS` (none by default). A page on another site can still make a visitor's
browser send a form POST without reading the answer: it would spend the visitor's anonymous
allowance (or, with a token in the URL, an account's credits). So a request that changes state
and carries a browser's `Origin` header is refused unless that origin is the service's own or
listed. Clients that are not browsers send no `Origin` and are not affected."""

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_CHANGES_STATE = ("POST", "PUT", "PATCH", "DELETE")


def origins(spec: str) -> list[str]:
    """`OCRCHAT_CORS_ORIGINS` parsed: `https://app.example.com, http://localhost:3000`."""
    return [part.strip().rstrip("/") for part in spec.split(",") if part.strip()]


def install_origin_rules(app: FastAPI, allowed: list[str]) -> None:
    app.add_middleware(ForeignOriginGuard, allowed=allowed)
    if allowed:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=allowed,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After", "Content-Disposition"],
        )


class ForeignOriginGuard:
    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self._app = app
        self._allowed = set(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _CHANGES_STATE:
            origin = _header(scope, b"origin")
            if origin is not None and not self._allows(origin, _header(scope, b"host")):
                detail = f"Requests from the web page at {origin} are not allowed (OCRCHAT_CORS_ORIGINS)."
                await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)
                return
        await self._app(scope, receive, send)

    def _allows(self, origin: str, host: str | None) -> bool:
        return origin.rstrip("/") in self._allowed or urlsplit(origin).netloc == host


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
