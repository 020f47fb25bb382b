"""The hot path: a bare ASGI handler forwarding `/{service}/v1/...` to the service's `/v1/...`.

Per request: one pass over the headers, a cached credential lookup, a scope check, one
rate-limit `incr`, a cached internal token, and one exchange on the upstream's bounded transport
whose body is streamed both ways (small responses are sent in one ASGI message). No pydantic,
no re-encoding.
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
from gateway.auth.scopes import (
    FILING_SCOPES,
    PUBLIC,
    READ_METHODS,
    is_irreversible,
    rule_for,
    within_filing,
)
from gateway.observability import AccessLog, Metrics
from gateway.proxy.breaker import CircuitBreaker
from gateway.proxy.clientip import client_ip
from gateway.proxy.delegation import Delegations
from gateway.proxy.pool import (
    ConnectFailed,
    Disconnected,
    UpstreamError,
    UpstreamTimeout,
    parse_base,
)
from gateway.proxy.problems import problem
from gateway.proxy.transport import Answer, InvalidHeader, Saturated, transport_for
from gateway.ratelimit.limiter import Decision, RateLimiter
from gateway.settings import GatewaySettings
from services.common.bodylimit import limit_for
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
    b"set-cookie",  # no service sets cookies for callers; one would be scoped to the gateway
    b"set-cookie2",
    b"x-internal-token",
    b"x-principal",
    b"x-powered-by",
    b"ratelimit",
    b"ratelimit-policy",
    b"server",
    b"date",
}
MAX_LOGGED = 256  # characters of a caller-chosen value in a log line
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class _Disconnected(Exception):
    """The caller went away while its body was being read."""


class _MisboundAnswer(Exception):
    """The upstream's answer echoes another request's id: not this request's answer."""


class _Refused(Exception):
    """A step refused the request: answer this problem instead of forwarding."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


class _Call:
    """One request as the steps see it: what its headers said and what the steps decided."""

    __slots__ = (
        "caller",
        "content_length",
        "credential",
        "delegated",
        "filing",
        "forwarded",
        "has_body",
        "host",
        "incoming_xff",
        "method",
        "name",
        "on_behalf",
        "path",
        "peer_ip",
        "query",
        "raw_path",
        "request_id",
        "route",
        "service_path",
        "traceparent",
    )

    def __init__(self, scope: Scope) -> None:
        self.path: str = scope["path"]
        self.method: str = scope["method"]
        self.name, _, rest = self.path[1:].partition("/")
        self.service_path = "/" + rest
        self.raw_path: bytes = scope.get("raw_path") or self.path.encode()
        self.query: bytes = scope.get("query_string") or b""
        peer = scope.get("client")
        self.peer_ip: str = peer[0] if peer else "unknown"
        self.caller: Caller | None = None
        self.route = f"{self.name}.unknown"
        self.delegated: frozenset[str] | None = None  # the token's scopes when on behalf
        self.filing = False  # a portal's filing of a new enterprise, without a delegation
        # One pass over the headers: pick out what we read, keep what we forward.
        credential: str | None = None
        request_id: str | None = None
        traceparent: str | None = None
        self.on_behalf: str | None = None
        self.incoming_xff: str | None = None
        self.host = b""
        self.has_body = False
        self.content_length: int | None = None
        connection_tokens: set[bytes] | None = None
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
                    self.on_behalf = value.strip().decode("latin-1")
                elif key == b"host":
                    self.host = value
                elif key == b"x-forwarded-for":
                    xff = value.decode("latin-1")
                    self.incoming_xff = f"{self.incoming_xff}, {xff}" if self.incoming_xff else xff
                elif key == b"transfer-encoding":
                    self.has_body = True
                    self.content_length = None
                elif key == b"connection":
                    connection_tokens = {t.strip().lower() for t in value.split(b",")}
                continue
            if key == b"content-length":
                value = value.strip()  # httptools passes on the whitespace around it
                self.content_length = int(value) if value.isdigit() else 0
                self.has_body = self.content_length > 0
                continue
            forwarded.append((key, value))
        if connection_tokens:
            forwarded = [(k, v) for k, v in forwarded if k not in connection_tokens]
        self.forwarded = forwarded
        self.credential = credential
        if request_id is None or not _REQUEST_ID.match(request_id):
            request_id = "req_" + os.urandom(12).hex()
        self.request_id: str = request_id
        if traceparent is None or not _TRACEPARENT.match(traceparent):
            traceparent = f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"
        self.traceparent: str = traceparent


class Upstream:
    """One service: its base URL, its transport (bounded connections) and its circuit breaker."""

    def __init__(self, name: str, base_url: str, settings: GatewaySettings) -> None:
        self.name = name
        self.base_url = base_url
        # A Location under the service's own address, and the gateway path it is answered as.
        self.own_location = base_url.encode() + b"/"
        self.public_location = b"/" + name.encode() + b"/"
        host, port, self.prefix = parse_base(base_url)
        self.breaker = CircuitBreaker(
            threshold=settings.breaker_failure_threshold,
            reset_seconds=settings.breaker_reset_seconds,
        )
        self.read_timeout = settings.read_timeout_seconds
        self.transport = transport_for(settings, host, port)

    def start(self) -> None:
        """Open the transport in the running loop (connections are made on first use)."""
        self.transport.start()

    async def close(self) -> None:
        """Close the transport's connections."""
        await self.transport.close()


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
        delegations: Delegations,
    ) -> None:
        self.settings = settings
        self.delegations = delegations
        self.upstreams = upstreams
        self.authenticator = authenticator
        self.tokens = tokens
        self.limiter = limiter
        self.metrics = metrics
        self.retries = settings.retry_attempts
        self.max_buffered = settings.max_buffered_response_bytes
        self.trusted = frozenset(settings.trusted_proxies)
        self.access_log = AccessLog() if settings.access_log else None
        self.max_body = settings.max_body_bytes
        self.body_limits = settings.body_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request whose first path segment names a service."""
        started = time.perf_counter()
        call = _Call(scope)
        upstream = self.upstreams[call.name]
        context = set_request_id(call.request_id)
        status = 500
        probe: int | None = None
        try:
            required = self._route(call)
            caller_ip = client_ip(call.peer_ip, call.incoming_xff, self.trusted)
            await self._authenticate(call, required, caller_ip)
            org = self._authorize(call, required)
            if call.caller is not None and call.on_behalf is not None:  # no credential: for no one
                await self._delegate(call, required)
            decision = await self._limit(call, caller_ip)
            probe = self._admit(upstream)
            self._add_gateway_headers(call, scope, org)
            status = await self._forward(upstream, call, receive, send, decision)
        except _Refused as refused:
            status = await self._problem(
                send,
                refused.status,
                refused.code,
                refused.detail,
                call.path,
                call.request_id,
                refused.headers,
            )
        except _Disconnected:
            status = 499
            log.info("caller hung up on %s %s", call.method, call.route)
        except Exception:
            log.exception("proxy failure on %s %s", call.method, call.path)
            with contextlib.suppress(Exception):  # fails if the answer had begun: nothing to add
                await self._problem(
                    send,
                    500,
                    "internal_error",
                    "An unexpected error occurred.",
                    call.path,
                    call.request_id,
                )
        finally:
            # A probe admitted here that ended without an upstream outcome (caller gone,
            # internal error) must not leave the breaker half-open for ever.
            upstream.breaker.abandon(probe)
            self._record(call, status, time.perf_counter() - started)
            reset_request_id(context)

    def _route(self, call: _Call) -> str:
        """The scope the route needs; 404 for a path no rule covers."""
        rule = rule_for(call.name, call.service_path)
        if (
            rule is None
            or not call.service_path.startswith("/v1/")
            # Authorized on the decoded name, forwarded from the raw path: they must agree.
            or not call.raw_path.startswith(b"/" + call.name.encode() + b"/")
        ):
            raise _Refused(404, "not_found", f"No route at {call.path}.")
        call.route = rule.name
        return rule.scope_for(call.method)

    async def _authenticate(self, call: _Call, required: str, caller_ip: str) -> None:
        """Who calls (`call.caller`), if a credential came; 401 or 429 if it does not hold."""
        credential = call.credential
        if credential is None:
            if required != PUBLIC:
                # Anonymous refusals count against the address's public limit too.
                decision = await self.limiter.hit(identity=caller_ip, klass="public")
                if not decision.allowed:
                    raise _rate_limited(decision)
                raise _Refused(
                    401,
                    "missing_credentials",
                    "Send an API key (Authorization: Bearer or X-API-Key) or an access token.",
                    _WWW_BEARER,
                )
            return
        # A credential that failed too often costs no more lookups; a valid one always
        # passes, whatever else came from its address.
        blocked = self.limiter.refused(credential)
        if blocked:
            raise _auth_limited(blocked)
        try:
            call.caller = await self.authenticator.authenticate(credential)
        except AuthError as exc:
            retry_after = await self.limiter.failed(credential=credential, address=caller_ip)
            if retry_after:
                raise _auth_limited(retry_after) from exc
            raise _Refused(401, exc.code, exc.detail, _WWW_INVALID) from exc

    @staticmethod
    def _authorize(call: _Call, required: str) -> str | None:
        """The organisation the call acts for; 403 without the scope, 400 for a bad USCC."""
        caller = call.caller
        if caller is None:
            return None
        if required != PUBLIC and required not in caller.scopes:
            raise _Refused(
                403,
                "insufficient_scope",
                f"This route needs the scope '{required}', which this client does not hold.",
            )
        if call.on_behalf is None:
            return caller.org
        if "on_behalf" not in caller.scopes:
            raise _Refused(
                403,
                "on_behalf_not_allowed",
                "This client may not act on behalf of an enterprise.",
            )
        if not _USCC.match(call.on_behalf):
            raise _Refused(
                400,
                "invalid_on_behalf_of",
                "X-On-Behalf-Of must be an enterprise's 18-character USCC.",
            )
        if is_irreversible(call.name, call.method, call.service_path):
            raise _Refused(
                403,
                "irreversible_on_behalf",
                "This action cannot be undone: only the enterprise itself may take it.",
            )
        return call.on_behalf

    async def _delegate(self, call: _Call, required: str) -> None:
        """The scopes the portal may use for the enterprise (`call.delegated`); 403 without a
        live delegation covering the route. Without one, only the filing of a new enterprise
        passes (the registry refuses a filed code), and earns a filing-only delegation."""
        caller = call.caller
        uscc = call.on_behalf
        assert caller is not None and uscc is not None
        grant = await self.delegations.live(caller.client_id, uscc)
        filing = within_filing(call.name, call.method, call.service_path, uscc)
        if grant is None:
            if filing and call.method == "POST":
                call.filing = True
                call.delegated = caller.scopes & FILING_SCOPES
                return
            raise _Refused(
                403,
                "no_delegation",
                f"This portal holds no live delegation from enterprise {uscc}.",
            )
        if grant.filing_only and not filing:
            raise _Refused(
                403,
                "delegation_filing_only",
                f"Until enterprise {uscc} confirms the delegation, this portal may only file it.",
            )
        delegated = caller.scopes & grant.scopes
        if required != PUBLIC and required not in delegated:
            raise _Refused(
                403,
                "outside_delegation",
                f"Enterprise {uscc} did not delegate the scope '{required}' to this portal.",
            )
        call.delegated = delegated

    async def _record_filing(self, call: _Call) -> None:
        """Remember a portal's successful filing as a filing-only delegation."""
        caller = call.caller
        assert caller is not None and call.on_behalf is not None
        try:
            await self.delegations.record_filing(caller.client_id, call.on_behalf)
        except Exception:
            log.exception("could not record the filing delegation of %s", caller.client_id)

    async def _limit(self, call: _Call, caller_ip: str) -> Decision:
        """Count the call against its client's (or address's) limit; 429 over it."""
        caller = call.caller
        if caller is not None:
            klass = "read" if call.method in READ_METHODS else "write"
            limits = caller.rate_limits
            decision = await self.limiter.hit(
                identity=caller.client_id,
                klass=klass,
                override=limits.get(klass) if limits else None,
            )
        else:
            decision = await self.limiter.hit(identity=caller_ip, klass="public")
        if not decision.allowed:
            raise _rate_limited(decision)
        return decision

    def _admit(self, upstream: Upstream) -> int | None:
        """The breaker's probe number if it lets the call through; 503 while it is open."""
        wait = upstream.breaker.admit()
        if wait:
            self.metrics.upstream_errors.labels(upstream.name, "circuit_open").inc()
            raise _Refused(
                503,
                "upstream_unavailable",
                f"The {upstream.name} service is unavailable; retry shortly.",
                [(b"retry-after", str(max(1, round(wait))).encode())],
            )
        return upstream.breaker.current_probe()

    def _add_gateway_headers(self, call: _Call, scope: Scope, org: str | None) -> None:
        """Identity, forwarding and tracing headers: the gateway's, never the caller's."""
        forwarded = call.forwarded
        if call.caller is not None:
            token = self.tokens.authorization(
                call.caller,
                call.name,
                org,
                scopes=call.delegated,
                on_behalf=call.delegated is not None,
            )
            forwarded.append((b"authorization", token))
        if call.incoming_xff and call.peer_ip in self.trusted:
            forwarded.append((b"x-forwarded-for", f"{call.incoming_xff}, {call.peer_ip}".encode()))
        else:
            forwarded.append((b"x-forwarded-for", call.peer_ip.encode()))
        forwarded.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
        if call.host:
            forwarded.append((b"x-forwarded-host", call.host))
        forwarded.append((b"x-request-id", call.request_id.encode()))
        forwarded.append((b"x-forwarded-prefix", f"/{call.name}".encode()))  # links it answers
        forwarded.append((b"traceparent", call.traceparent.encode()))

    def _record(self, call: _Call, status: int, elapsed: float) -> None:
        """Metrics and the access log line of a finished call."""
        caller = call.caller
        kind = caller.kind if caller is not None else "anonymous"
        self.metrics.observe(kind, call.route, status, elapsed)
        if self.access_log is not None:
            self.access_log.write(
                {
                    "request_id": call.request_id,
                    "client": caller.client_id if caller is not None else None,
                    "kind": kind,
                    "on_behalf_of": call.on_behalf if call.delegated is not None else None,
                    "method": call.method,
                    "route": call.route,
                    "path": call.path[:MAX_LOGGED],
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                }
            )

    async def _forward(
        self,
        upstream: Upstream,
        call: _Call,
        receive: Receive,
        send: Send,
        decision: Decision,
    ) -> int:
        """Send the call upstream (retrying what is safe to replay) and relay the answer."""
        body: bytes | AsyncIterator[bytes] = b""  # none: Content-Length 0 but on GET, HEAD, OPTIONS
        if call.has_body:
            limit = limit_for(call.path, self.max_body, self.body_limits)
            if call.content_length is not None and call.content_length > limit:
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            first = message.get("body", b"")
            if len(first) > limit:
                raise _too_large(limit)
            body = _stream(first, receive, limit) if message.get("more_body") else first
        method = call.method
        target = upstream.prefix + call.raw_path[len(call.name) + 1 :]
        query = call.query
        if query:
            target += b"?" + query
        content_length = call.content_length if call.has_body else None
        replayable = method in IDEMPOTENT and not isinstance(body, AsyncIterator)
        attempts = 1 + (self.retries if replayable else 0)
        name = upstream.name
        for attempt in range(attempts):
            try:
                async with upstream.transport.send(
                    method, target, call.forwarded, body, content_length
                ) as response:
                    if upstream.breaker.success():
                        self.metrics.circuit_open.labels(name).set(0)
                        log.info("circuit closed for %s", name)
                    if call.filing and response.status == 201:
                        # before answering: the portal's next call may rely on it
                        await self._record_filing(call)
                    return await self._relay(response, upstream, send, call.request_id, decision)
            except InvalidHeader as exc:
                raise _Refused(
                    400,
                    "invalid_header",
                    f"The {exc.field} contains CR, LF or NUL, which cannot be forwarded.",
                ) from exc
            except Saturated as exc:
                self.metrics.upstream_errors.labels(name, "saturated").inc()
                raise _Refused(
                    503,
                    "upstream_saturated",
                    f"Every connection to the {name} service is busy; retry shortly.",
                    [(b"retry-after", str(exc.retry_after).encode())],
                ) from exc
            except UpstreamTimeout as exc:
                opened = upstream.breaker.failure()
                self._upstream_error(name, "timeout", opened)
                raise _Refused(
                    504, "upstream_timeout", f"The {name} service did not answer in time."
                ) from exc
            except (ConnectFailed, Disconnected) as exc:
                retryable = isinstance(exc, ConnectFailed) or exc.before_response
                if retryable and attempt + 1 < attempts:
                    continue
                opened = upstream.breaker.failure()
                refused = isinstance(exc, ConnectFailed)
                self._upstream_error(name, "refused" if refused else "disconnected", opened)
                retry_after = max(1, round(upstream.breaker.admit() or 1))
                raise _Refused(
                    503 if refused else 502,
                    "upstream_unavailable" if refused else "upstream_connection_failed",
                    f"The {name} service is unavailable; retry shortly."
                    if refused
                    else f"The {name} service dropped the connection.",
                    [(b"retry-after", str(retry_after).encode())],
                ) from exc
            except _ResponseStarted:
                return 502
            except _MisboundAnswer as exc:
                self._upstream_error(name, "misbound_answer", upstream.breaker.failure())
                log.warning("%s answered with another request's id; connection dropped", name)
                if attempt + 1 < attempts:
                    continue  # a replayable request: ask again, on another connection
                raise _Refused(
                    502,
                    "upstream_answer_mismatch",
                    f"The {name} service's answer belonged to another request.",
                ) from exc
        raise AssertionError("unreachable")

    async def _relay(
        self,
        response: Answer,
        upstream: Upstream,
        send: Send,
        request_id: str,
        decision: Decision,
    ) -> int:
        echoed = next((v for k, v in response.headers if k == b"x-request-id"), None)
        if echoed is not None and echoed != request_id.encode():
            # A late answer to an earlier request on this pooled connection: never relay it.
            response.complete = False  # so the transport closes the connection, never reuses it
            raise _MisboundAnswer
        headers = _public_headers(response.headers, upstream)
        headers.append((b"x-request-id", request_id.encode()))
        headers.append((b"ratelimit-policy", decision.policy))
        headers.append((b"ratelimit", decision.state))
        status = response.status
        length = response.content_length
        timeout = upstream.read_timeout
        if response.complete or (length is not None and length <= self.max_buffered):
            payload = await response.read(timeout)  # none for HEAD, 204, 304: the transports know
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


def _public_headers(headers: Headers, upstream: Upstream) -> Headers:
    """An answer's headers as the caller gets them, in one pass: hop-by-hop and internal ones
    dropped, and any answer's `Location` (a 201's too, not only a redirect's) made one the caller
    can follow: never the service's own address, nor another site."""
    out: Headers = []
    for key, value in headers:
        if key in RESPONSE_DROPPED:
            continue
        if key == b"location" and (not value.startswith(b"/") or value.startswith(b"//")):
            if not value.startswith(upstream.own_location):
                continue  # somewhere else entirely: dropped, the caller gets the status alone
            value = upstream.public_location + value[len(upstream.own_location) :]
        out.append((key, value))
    return out


def _rate_limited(decision: Decision) -> _Refused:
    return _Refused(
        429,
        "rate_limited",
        f"Too many requests; retry in {decision.retry_after} s.",
        [
            (b"retry-after", str(decision.retry_after).encode()),
            (b"ratelimit-policy", decision.policy),
            (b"ratelimit", decision.state),
        ],
    )


def _too_large(limit: int) -> _Refused:
    return _Refused(
        413, "payload_too_large", f"The request body may be at most {limit} bytes on this route."
    )


def _auth_limited(retry_after: int) -> _Refused:
    return _Refused(
        429,
        "too_many_auth_failures",
        f"Too many failed authentications; retry in {retry_after} s.",
        [(b"retry-after", str(retry_after).encode())],
    )


_WWW_BEARER = ((b"www-authenticate", b'Bearer realm="taiyuan-sme"'),)
_WWW_INVALID = ((b"www-authenticate", b'Bearer realm="taiyuan-sme", error="invalid_token"'),)


async def _stream(first: bytes, receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The caller's body as it arrives; `_Refused` 413 the moment it passes `limit` bytes."""
    if first:
        yield first
    sent = len(first)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        sent += len(chunk)
        if sent > limit:
            raise _too_large(limit)
        if chunk:
            yield chunk
        if not message.get("more_body"):
            return


async def wait_closed(upstreams: dict[str, Upstream]) -> None:
    """Close every pool."""
    await asyncio.gather(*(upstream.close() for upstream in upstreams.values()))
