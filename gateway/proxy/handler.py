"""The hot path: a bare ASGI handler forwarding `/{service}/v1/...` to the service's `/v1/...`.

Per request: one pass over the headers, a cached credential lookup, a scope check, one
rate-limit `incr`, a cached internal token, and a pooled aiohttp call whose body is streamed
both ways (small responses are sent in one ASGI message). No pydantic, no re-encoding.
"""

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from gateway.auth.authenticator import Authenticator, AuthError
from gateway.auth.caller import Caller
from gateway.auth.internal import InternalTokens
from gateway.auth.scopes import PUBLIC, READ_METHODS, rule_for
from gateway.observability import AccessLog, Metrics
from gateway.proxy.breaker import CircuitBreaker
from gateway.proxy.clientip import client_ip
from gateway.proxy.pool import (
    ConnectFailed,
    Disconnected,
    Response,
    UpstreamError,
    UpstreamPool,
    UpstreamTimeout,
    parse_base,
)
from gateway.proxy.problems import problem
from gateway.ratelimit.limiter import Decision, RateLimiter
from gateway.settings import GatewaySettings
from services.common.requestctx import reset_request_id, set_request_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

log = logging.getLogger("gateway.proxy")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request headers never forwarded as sent: identity, forwarding and hop-by-hop headers.
STRIPPED = HOP_BY_HOP | {
    b"host",
    b"authorization",
    b"x-api-key",
    b"x-internal-token",
    b"x-on-behalf-of",
    b"x-request-id",
    b"traceparent",
    b"forwarded",
    b"x-real-ip",
    b"cookie",
    b"expect",  # the gateway's own server answers 100-continue; the pool expects one final answer
}
STRIPPED_PREFIXES = (b"x-client-", b"x-forwarded-", b"x-gateway-", b"x-internal-", b"x-principal")
RESPONSE_DROPPED = HOP_BY_HOP | {
    b"x-request-id",
    b"ratelimit",
    b"ratelimit-policy",
    b"server",
    b"date",
}
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class _Disconnected(Exception):
    """The caller went away while its body was being read."""


class Upstream:
    """One service: its base URL, its connection pool and its circuit breaker."""

    def __init__(self, name: str, base_url: str, settings: GatewaySettings) -> None:
        self.name = name
        self.base_url = base_url
        host, port, self.prefix = parse_base(base_url)
        self.breaker = CircuitBreaker(
            threshold=settings.breaker_failure_threshold,
            reset_seconds=settings.breaker_reset_seconds,
        )
        self.read_timeout = settings.read_timeout_seconds
        self.pool = UpstreamPool(
            host,
            port,
            max_idle=settings.upstream_pool_size,
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            keepalive=settings.upstream_keepalive_seconds,
        )

    def start(self) -> None:
        """Nothing to open ahead: connections are made on first use and kept alive."""

    async def close(self) -> None:
        """Close the pool."""
        await self.pool.close()


class ProxyHandler:
    """Authenticates, authorizes, limits and forwards one proxied request."""

    def __init__(
        self,
        *,
        settings: GatewaySettings,
        upstreams: dict[str, Upstream],
        authenticator: Authenticator,
        tokens: InternalTokens,
        limiter: RateLimiter,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self.authenticator = authenticator
        self.tokens = tokens
        self.limiter = limiter
        self.metrics = metrics
        self.retries = settings.retry_attempts
        self.max_buffered = settings.max_buffered_response_bytes
        self.trusted = frozenset(settings.trusted_proxies)
        self.access_log = AccessLog() if settings.access_log else None
        # Addresses refused after too many failed authentications → until (monotonic).
        self._auth_blocks: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request whose first path segment names a service."""
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        name, _, rest = path[1:].partition("/")
        service_path = "/" + rest
        upstream = self.upstreams[name]

        # One pass over the headers: pick out what we read, keep what we forward.
        credential: str | None = None
        request_id: str | None = None
        traceparent: str | None = None
        on_behalf: str | None = None
        incoming_xff: str | None = None
        host = b""
        has_body = False
        connection_tokens: set[bytes] | None = None
        content_length: int | None = None
        forwarded: Headers = []
        for key, value in scope["headers"]:
            if key in STRIPPED or key.startswith(STRIPPED_PREFIXES):
                if key == b"authorization":
                    if value[:7].lower() == b"bearer ":
                        credential = value[7:].strip().decode("latin-1")
                elif key == b"x-api-key":
                    credential = credential or value.strip().decode("latin-1")
                elif key == b"x-request-id":
                    request_id = value.decode("latin-1")
                elif key == b"traceparent":
                    traceparent = value.decode("latin-1")
                elif key == b"x-on-behalf-of":
                    on_behalf = value.strip().decode("latin-1")
                elif key == b"host":
                    host = value
                elif key == b"x-forwarded-for":
                    xff = value.decode("latin-1")
                    incoming_xff = f"{incoming_xff}, {xff}" if incoming_xff else xff
                elif key == b"transfer-encoding":
                    has_body = True
                    content_length = None
                elif key == b"connection":
                    connection_tokens = {t.strip().lower() for t in value.split(b",")}
                continue
            if key == b"content-length":
                content_length = int(value) if value.isdigit() else 0
                has_body = content_length > 0
                continue
            forwarded.append((key, value))
        if connection_tokens:
            forwarded = [(k, v) for k, v in forwarded if k not in connection_tokens]
        if request_id is None or not _REQUEST_ID.match(request_id):
            request_id = "req_" + os.urandom(12).hex()
        if traceparent is None or not _TRACEPARENT.match(traceparent):
            traceparent = f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"

        context = set_request_id(request_id)
        rule = rule_for(name, service_path)
        route = rule.name if rule is not None else f"{name}.unknown"
        caller: Caller | None = None
        decision: Decision | None = None
        status = 500
        probe: int | None = None
        admitted = False
        raw_path: bytes = scope.get("raw_path") or path.encode()
        try:
            if (
                rule is None
                or not service_path.startswith("/v1/")
                # Authorized on the decoded name, forwarded from the raw path: they must agree.
                or not raw_path.startswith(b"/" + name.encode() + b"/")
            ):
                status = await self._problem(
                    send, 404, "not_found", f"No route at {path}.", path, request_id
                )
                return
            required = rule.scope_for(method)
            peer = scope.get("client")
            peer_ip = peer[0] if peer else "unknown"
            caller_ip = client_ip(peer_ip, incoming_xff, self.trusted)
            if credential is not None:
                # An address over its failure budget gets no more database lookups; keys this
                # replica already knows to be valid still pass (callers may share an address).
                blocked = self._auth_blocked(caller_ip)
                if blocked and self.authenticator.cached(credential) is None:
                    status = await self._auth_limited(send, blocked, path, request_id)
                    return
                try:
                    caller = await self.authenticator.authenticate(credential)
                except AuthError as exc:
                    failures = await self.limiter.hit(
                        identity=f"auth-failure:{caller_ip}", klass="token"
                    )
                    if not failures.allowed:
                        self._auth_block(caller_ip, failures.retry_after)
                        status = await self._auth_limited(
                            send, failures.retry_after, path, request_id
                        )
                        return
                    status = await self._problem(
                        send, 401, exc.code, exc.detail, path, request_id, _WWW_INVALID
                    )
                    return
            elif required != PUBLIC:
                status = await self._problem(
                    send,
                    401,
                    "missing_credentials",
                    "Send an API key (Authorization: Bearer or X-API-Key) or an access token.",
                    path,
                    request_id,
                    _WWW_BEARER,
                )
                return
            if caller is not None and required != PUBLIC and required not in caller.scopes:
                status = await self._problem(
                    send,
                    403,
                    "insufficient_scope",
                    f"This route needs the scope '{required}', which this client does not hold.",
                    path,
                    request_id,
                )
                return
            org = caller.org if caller is not None else None
            if on_behalf is not None and caller is not None:
                if "on_behalf" not in caller.scopes:
                    status = await self._problem(
                        send,
                        403,
                        "on_behalf_not_allowed",
                        "This client may not act on behalf of an enterprise.",
                        path,
                        request_id,
                    )
                    return
                if not _USCC.match(on_behalf):
                    status = await self._problem(
                        send,
                        400,
                        "invalid_on_behalf_of",
                        "X-On-Behalf-Of must be an enterprise's 18-character USCC.",
                        path,
                        request_id,
                    )
                    return
                org = on_behalf

            if caller is not None:
                klass = "read" if method in READ_METHODS else "write"
                limits = caller.rate_limits
                decision = await self.limiter.hit(
                    identity=caller.client_id,
                    klass=klass,
                    override=limits.get(klass) if limits else None,
                )
            else:
                decision = await self.limiter.hit(identity=caller_ip, klass="public")
            if not decision.allowed:
                status = await self._problem(
                    send,
                    429,
                    "rate_limited",
                    f"Too many requests; retry in {decision.retry_after} s.",
                    path,
                    request_id,
                    [
                        (b"retry-after", str(decision.retry_after).encode()),
                        (b"ratelimit-policy", decision.policy),
                        (b"ratelimit", decision.state),
                    ],
                )
                return

            wait = upstream.breaker.admit()
            if wait:
                self.metrics.upstream_errors.labels(name, "circuit_open").inc()
                status = await self._problem(
                    send,
                    503,
                    "upstream_unavailable",
                    f"The {name} service is unavailable; retry shortly.",
                    path,
                    request_id,
                    [(b"retry-after", str(max(1, round(wait))).encode())],
                )
                return
            admitted = True
            probe = upstream.breaker.current_probe()

            # Identity and tracing headers are the gateway's, never the caller's.
            if caller is not None:
                forwarded.append((b"authorization", self.tokens.authorization(caller, name, org)))
            if incoming_xff and peer_ip in self.trusted:
                forwarded.append((b"x-forwarded-for", f"{incoming_xff}, {peer_ip}".encode()))
            else:
                forwarded.append((b"x-forwarded-for", peer_ip.encode()))
            forwarded.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
            if host:
                forwarded.append((b"x-forwarded-host", host))
            forwarded.append((b"x-request-id", request_id.encode()))
            forwarded.append((b"x-forwarded-prefix", f"/{name}".encode()))  # links it answers
            forwarded.append((b"traceparent", traceparent.encode()))

            target = upstream.prefix + raw_path[len(name) + 1 :]
            query = scope.get("query_string")
            if query:
                target += b"?" + query
            status = await self._forward(
                upstream,
                method,
                target,
                forwarded,
                content_length if has_body else None,
                has_body,
                receive,
                send,
                request_id,
                path,
                decision,
            )
        except _Disconnected:
            status = 499
        except Exception:
            log.exception("proxy failure on %s %s", method, path)
            if status == 500:
                with contextlib.suppress(Exception):
                    await self._problem(
                        send,
                        500,
                        "internal_error",
                        "An unexpected error occurred.",
                        path,
                        request_id,
                    )
        finally:
            if admitted:
                # Every admitted call reports: one that ended without an upstream outcome
                # (caller gone, internal error) must not leave a half-open probe pending.
                upstream.breaker.abandon(probe)
            elapsed = time.perf_counter() - started
            kind = caller.kind if caller is not None else "anonymous"
            self.metrics.observe(kind, route, status, elapsed)
            if self.access_log is not None:
                self.access_log.write(
                    {
                        "request_id": request_id,
                        "client": caller.client_id if caller is not None else None,
                        "kind": kind,
                        "method": method,
                        "route": route,
                        "path": path,
                        "status": status,
                        "latency_ms": round(elapsed * 1000, 2),
                    }
                )
            reset_request_id(context)

    async def _forward(
        self,
        upstream: Upstream,
        method: str,
        target: bytes,
        headers: Headers,
        content_length: int | None,
        has_body: bool,
        receive: Receive,
        send: Send,
        request_id: str,
        path: str,
        decision: Decision | None,
    ) -> int:
        body: bytes | AsyncIterator[bytes] | None = None
        if has_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            first = message.get("body", b"")
            body = _stream(first, receive) if message.get("more_body") else first
        replayable = method in IDEMPOTENT and not isinstance(body, AsyncIterator)
        attempts = 1 + (self.retries if replayable else 0)
        name = upstream.name
        for attempt in range(attempts):
            try:
                response = await upstream.pool.request(
                    method, target, headers, body, content_length=content_length
                )
                upstream.breaker.success()
                return await self._relay(response, upstream, method, send, request_id, decision)
            except UpstreamTimeout:
                opened = upstream.breaker.failure()
                self._upstream_error(name, "timeout", opened)
                return await self._problem(
                    send,
                    504,
                    "upstream_timeout",
                    f"The {name} service did not answer in time.",
                    path,
                    request_id,
                )
            except (ConnectFailed, Disconnected) as exc:
                retryable = isinstance(exc, ConnectFailed) or exc.before_response
                if retryable and attempt + 1 < attempts:
                    continue
                opened = upstream.breaker.failure()
                refused = isinstance(exc, ConnectFailed)
                self._upstream_error(name, "refused" if refused else "disconnected", opened)
                retry_after = max(1, round(upstream.breaker.admit() or 1))
                return await self._problem(
                    send,
                    503 if refused else 502,
                    "upstream_unavailable" if refused else "upstream_connection_failed",
                    f"The {name} service is unavailable; retry shortly."
                    if refused
                    else f"The {name} service dropped the connection.",
                    path,
                    request_id,
                    [(b"retry-after", str(retry_after).encode())],
                )
            except _ResponseStarted:
                return 502
        raise AssertionError("unreachable")

    async def _relay(
        self,
        response: Response,
        upstream: Upstream,
        method: str,
        send: Send,
        request_id: str,
        decision: Decision | None,
    ) -> int:
        headers: Headers = [(k, v) for k, v in response.headers if k not in RESPONSE_DROPPED]
        headers.append((b"x-request-id", request_id.encode()))
        if decision is not None:
            headers.append((b"ratelimit-policy", decision.policy))
            headers.append((b"ratelimit", decision.state))
        status = response.status
        length = response.content_length
        timeout = upstream.read_timeout
        try:
            if response.complete or (length is not None and length <= self.max_buffered):
                payload = await response.read(timeout)
                if method == "HEAD" or status in (204, 304):
                    payload = b""
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
                return status
            if length is None:
                headers.append((b"transfer-encoding", b"chunked"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            try:
                async for chunk in response.stream(timeout):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except UpstreamError as exc:
                # Headers are out; all we can do is cut the response short.
                raise _ResponseStarted from exc
            await send({"type": "http.response.body", "body": b""})
            return status
        finally:
            # An answer abandoned half-read (timeout, error, caller gone) takes its connection
            # with it: the rest of it must not stay attached or reach the next request.
            response.abort()

    def _auth_blocked(self, ip: str) -> int:
        """Seconds this address must still wait after too many failed authentications."""
        until = self._auth_blocks.get(ip)
        if until is None:
            return 0
        left = until - time.monotonic()
        if left <= 0:
            del self._auth_blocks[ip]
            return 0
        return max(1, round(left))

    def _auth_block(self, ip: str, seconds: int) -> None:
        blocks = self._auth_blocks
        if len(blocks) >= 10_000:
            now = time.monotonic()
            for key in [k for k, until in blocks.items() if until <= now]:
                del blocks[key]
        blocks[ip] = time.monotonic() + seconds

    async def _auth_limited(self, send: Send, retry_after: int, path: str, request_id: str) -> int:
        return await self._problem(
            send,
            429,
            "too_many_auth_failures",
            f"Too many failed authentications; retry in {retry_after} s.",
            path,
            request_id,
            [(b"retry-after", str(retry_after).encode())],
        )

    def _upstream_error(self, name: str, reason: str, opened: bool) -> None:
        self.metrics.upstream_errors.labels(name, reason).inc()
        if opened:
            self.metrics.circuit_open.labels(name).set(1)
            log.warning("circuit opened for %s after %s", name, reason)

    @staticmethod
    async def _problem(
        send: Send,
        status: int,
        code: str,
        detail: str,
        path: str,
        request_id: str,
        headers: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...] = (),
    ) -> int:
        status, out, body = problem(
            status, code, detail, instance=path, request_id=request_id, headers=headers
        )
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})
        return status


class _ResponseStarted(Exception):
    """The upstream failed after the response had started."""


_WWW_BEARER = ((b"www-authenticate", b'Bearer realm="taiyuan-sme"'),)
_WWW_INVALID = ((b"www-authenticate", b'Bearer realm="taiyuan-sme", error="invalid_token"'),)


async def _stream(first: bytes, receive: Receive) -> AsyncIterator[bytes]:
    if first:
        yield first
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body"):
            return


async def wait_closed(upstreams: dict[str, Upstream]) -> None:
    """Close every pool."""
    await asyncio.gather(*(upstream.close() for upstream in upstreams.values()))
