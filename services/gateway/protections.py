"""What every request passes before a route sees it: a size limit on bodies, refusal of
cross-site unsafe requests, and the security headers on every response. Plain ASGI middleware,
so the cost is a few dictionary look-ups per request."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _problem_body(status: int, code: str, title: str, detail: str) -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "code": code, "detail": detail}
    ).encode()


async def _refuse(
    send: Send,
    status: int,
    code: str,
    title: str,
    detail: str,
    extra_headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
    body: bytes | None = None,
) -> None:
    body = body if body is not None else _problem_body(status, code, title, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):  # noqa: N818 - a condition of the request
    pass


class Protections:
    """``max_body_bytes``: larger bodies get 413 (by Content-Length before reading, or while
    reading a body sent in chunks). ``trusted_origins``: an unsafe request whose ``Origin`` (or
    ``Sec-Fetch-Site: cross-site`` without one) is not the gateway's own or on the allow-list gets
    403, whatever credentials it carries: a cross-site form post never reaches a route."""

    def __init__(
        self,
        app: App,
        *,
        max_body_bytes: int,
        trusted_origins: Iterable[str],
        secure: bool,
        on_unexpected: Callable[[BaseException, str], Any] | None = None,
    ) -> None:
        self.app = app
        # Builds the 500 answer (errors.unexpected): here, inside these headers, rather than in
        # Starlette's outermost error middleware.
        self.on_unexpected = on_unexpected
        self.max_body_bytes = max_body_bytes
        self.trusted_origins = frozenset(trusted_origins)
        self.headers = security_headers(secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope["headers"])
        if scope["method"] in UNSAFE_METHODS and not self._same_site(request_headers):
            await _refuse(
                send,
                403,
                "cross_site_request",
                "Not allowed",
                "This request came from another site and was refused.",
                self.headers,
            )
            return
        declared = request_headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_body_bytes
            except ValueError:
                too_large = True
            if too_large:
                await _refuse(
                    send, 413, "body_too_large", "Request too large", self._limit(), self.headers
                )
                return

        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, started, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Answered here: the framework would turn the exception into its own 400.
                    if not started:
                        started = refused = True
                        await _refuse(
                            send, 413, "body_too_large", "Request too large", self._limit()
                        )
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLarge:
            pass  # the 413 has been sent
        except Exception as error:
            if started or self.on_unexpected is None:
                raise
            response = self.on_unexpected(error, scope.get("path", ""))
            await _refuse(
                send, response.status_code, "", "", "", self.headers, body=bytes(response.body)
            )

    def _limit(self) -> str:
        return f"Request bodies are limited to {self.max_body_bytes} bytes."

    def _same_site(self, headers: dict[bytes, bytes]) -> bool:
        origin = headers.get(b"origin")
        if origin is not None:
            return origin.decode("latin-1").rstrip("/") in self.trusted_origins
        # Browsers that send no Origin still say where a request came from.
        return headers.get(b"sec-fetch-site", b"") != b"cross-site"


def security_headers(secure: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        # Answers carry personal data: no browser or proxy keeps them (a route may say otherwise).
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        # Sign-in links carry their secret in the path: only the origin is ever sent (no-referrer
        # would make browsers post "Origin: null", which the cross-site check refuses).
        (b"referrer-policy", b"strict-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (
            b"content-security-policy",
            b"default-src 'self'; img-src 'self' data:; object-src 'none';"
            b" frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
    ]
    if secure:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers
