"""Gateway metrics (Prometheus) and the JSON access log."""

import sys
import time
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The gateway's collectors, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gateway_requests_total",
            "Requests answered, by client kind, route and status.",
            ("client_kind", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Time to answer, by route.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "gateway_upstream_errors_total",
            "Failed upstream calls, by upstream and reason.",
            ("upstream", "reason"),
            registry=self.registry,
        )
        self.circuit_open = Gauge(
            "gateway_circuit_open",
            "1 while an upstream's circuit breaker is open.",
            ("upstream",),
            registry=self.registry,
        )
        self.tokens_minted = Counter(
            "gateway_internal_tokens_minted_total",
            "Internal tokens signed (cache misses).",
            registry=self.registry,
        )
        self.rate_limit_storage_up = Gauge(
            "gateway_rate_limit_storage_up",
            "1 while the shared rate-limit storage answers; 0 while limits count per process.",
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, kind: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (kind, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(kind, route, str(status)),
                self.latency.labels(route),
            )
        children[0].inc()
        children[1].observe(seconds)


class AccessLog:
    """The hot path's JSON access log: lines are buffered and written every half second
    (or every 64 KiB), not one write per request as a logging.StreamHandler would."""

    def __init__(self, stream: Any = None, *, limit: int = 65536) -> None:
        self.stream = stream
        self.limit = limit
        self._buffer = bytearray()
        self._second = 0
        self._stamp = ""

    def write(self, fields: dict[str, Any]) -> None:
        """Queue one line: timestamp, level, logger, then the fields."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        line = {
            "ts": f"{self._stamp}.{int((now - second) * 1000):03d}Z",
            "level": "INFO",
            "logger": "gateway.access",
            "message": "request",
            **fields,
        }
        self._buffer += orjson.dumps(line)
        self._buffer += b"\n"
        if len(self._buffer) >= self.limit:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered."""
        if not self._buffer:
            return
        data, self._buffer = bytes(self._buffer), bytearray()
        stream = self.stream or sys.stderr
        target = getattr(stream, "buffer", None)
        try:
            if target is not None:
                target.write(data)
            else:
                stream.write(data.decode())
            stream.flush()
        except (OSError, ValueError):
            pass
