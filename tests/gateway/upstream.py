"""A small upstream service for gateway tests: echoes what it was sent, checks identity."""

import asyncio
import hashlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from services.common.errors import install_problem_handlers
from services.common.identity import CurrentClient
from services.common.tokens import DEFAULT_ISSUER, TokenVerifier


class Echo(BaseModel):
    """What the upstream received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body_length: int
    body_sha256: str


def echo_app(audience: str, jwks: dict[str, Any]) -> FastAPI:
    """An upstream named `audience` that trusts the gateway keys in `jwks`."""
    app = FastAPI(title=f"{audience} echo", version="1.0.0")
    app.state.token_verifier = TokenVerifier(jwks, issuer=DEFAULT_ISSUER, audience=audience)
    app.state.hits = 0
    app.state.queries = []  # each request's query string, in arrival order
    install_problem_handlers(app)

    if audience == "credit":

        class Identity(BaseModel):
            """A caller as the credit service sees it (differs from the registry's)."""

            client_id: str
            kind: str
            org: str | None
            scopes: list[str]
            consent_checked: bool = False
            actor: str | None = None

    else:

        class Identity(BaseModel):  # type: ignore[no-redef]
            """A caller as this service sees it."""

            client_id: str
            kind: str
            org: str | None
            scopes: list[str]
            actor: str | None = None

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Any:
        app.state.hits += 1
        app.state.queries.append(request.url.query)
        return await call_next(request)

    @app.get("/v1/echo", operation_id="echo", summary="Echo")
    async def echo(request: Request) -> Echo:
        return await echo_body(request)

    @app.api_route(
        "/v1/echo",
        methods=["POST", "PUT", "DELETE"],
        operation_id="echo_write",
        summary="Echo a body",
        include_in_schema=False,
    )
    async def echo_body(request: Request) -> Echo:
        body = await request.body()
        return Echo(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers={k: v for k, v in request.headers.items()},
            body_length=len(body),
            body_sha256=hashlib.sha256(body).hexdigest(),
        )

    @app.get("/v1/whoami", operation_id="whoami", summary="Who is calling")
    def whoami(client: CurrentClient) -> Identity:
        return Identity(
            client_id=client.client_id,
            kind=client.kind,
            org=client.org,
            scopes=sorted(client.scopes),
            actor=client.actor,
        )

    @app.post(
        "/v1/enterprises", operation_id="file", summary="File: who is calling", status_code=201
    )
    def file(client: CurrentClient, response: Response, answer: int = 201) -> Identity:
        response.status_code = answer  # a filing answered otherwise than "created"
        return whoami(client)

    @app.get("/v1/public/ping", operation_id="ping", summary="Public ping")
    def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/public/echo", operation_id="public_echo", summary="Echo, without a caller")
    async def public_echo(request: Request) -> Echo:
        return await echo_body(request)

    @app.get("/v1/slow", operation_id="slow", summary="Answer late")
    async def slow(seconds: float = 1.0) -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    @app.get("/v1/big", operation_id="big", summary="A large streamed body")
    def big(size: int = 3_000_000) -> StreamingResponse:
        def chunks() -> Any:
            sent = 0
            while sent < size:
                n = min(65536, size - sent)
                sent += n
                yield b"x" * n

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get("/v1/misbound", operation_id="misbound", summary="Another request's answer")
    def misbound() -> Response:
        return Response(b"{}", media_type="application/json", headers={"X-Request-ID": "req_other"})

    @app.post("/v1/misbound", operation_id="misbound_write", summary="The same, to a write")
    def misbound_write() -> Response:
        return misbound()

    @app.get("/v1/served", operation_id="served", summary="A header sorting after X-Request-ID")
    def served() -> Response:
        return Response(b"{}", media_type="application/json", headers={"X-Served-By": "node-1"})

    @app.get("/v1/cookies", operation_id="cookies", summary="Internal headers and a cookie")
    def cookies() -> Response:
        headers = {"Set-Cookie": "session=internal; Path=/", "X-Powered-By": "internal"}
        return Response(b"{}", media_type="application/json", headers=headers)

    @app.get("/v1/redirect", operation_id="redirect", summary="Redirect to `to`, as given")
    def redirect(to: str) -> Response:
        return Response(status_code=302, headers={"Location": to, "X-Note": "kept"})

    @app.get("/v1/answer", operation_id="answer", summary="Answer `status`, naming `location`")
    @app.head("/v1/answer", operation_id="answer_head", summary="The same, without the body")
    def answer(status: int, location: str) -> Response:
        body = b"" if status in (204, 304) else f"answer {status}".encode()
        return Response(body, status, {"Location": location}, media_type="text/plain")

    @app.get("/readyz", operation_id="readyz", summary="Ready")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


class CountingUpstream:
    """A raw HTTP/1.1 upstream that counts the connections it accepts and the requests it gets.

    Connections stay open between requests (keep-alive) until the gateway closes them. A
    request for `/v1/drop` is read and then its connection is closed without an answer: a
    failure before any response, which the gateway may retry only for a replayable method.
    """

    def __init__(self) -> None:
        import socket
        import threading

        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.connections = 0
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order
        self.headers: list[dict[str, str]] = []  # each request's, names lower-cased
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        import threading

        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: Any) -> None:
        buffer = b""
        with conn:
            conn.settimeout(30)
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                fields = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:])
                }
                length = int(fields.get("content-length", "0"))
                while len(buffer) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                buffer = buffer[length:]
                with self._lock:
                    self.requests.append((method, path.split("?", 1)[0]))
                    self.headers.append(fields)
                if path.startswith("/v1/drop"):
                    return  # closed without an answer
                body = b'{"ok": true}'
                request_id = fields.get("x-request-id", "-").encode("latin-1")
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"x-request-id: " + request_id + b"\r\n"
                    b"content-length: %d\r\n\r\n" % len(body) + body
                )

    def hits(self, method: str, path: str) -> int:
        """How many requests for `method path` arrived."""
        with self._lock:
            return self.requests.count((method, path))

    def close(self) -> None:
        """Stop accepting; open connections end when the gateway closes them."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
