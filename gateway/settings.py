"""Gateway configuration: environment variables prefixed `GATEWAY_`."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gateway.auth.apikeys import is_generated_key
from services.common.settings import VAR_DIR, InsecureConfiguration, ServiceSettings

SERVICES = ("registry", "funding", "credit", "vouchers")
DEFAULT_SIGNING_KEY_FILE = str(VAR_DIR / "keys" / "gateway-signing.pem")


class GatewaySettings(ServiceSettings):
    """Everything the gateway reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL callers use.")
    registry_url: str = "http://127.0.0.1:8001"
    funding_url: str = "http://127.0.0.1:8002"
    credit_url: str = "http://127.0.0.1:8003"
    vouchers_url: str = "http://127.0.0.1:8004"

    signing_key_pem: SecretStr | None = Field(
        default=None, description="Current Ed25519 private key (PEM); else `signing_key_file`."
    )
    signing_key_file: str = Field(
        default=DEFAULT_SIGNING_KEY_FILE,
        description="Current Ed25519 private key file; generated in development if missing.",
    )
    signing_key_id: str | None = Field(default=None, description="kid; default: key thumbprint.")
    previous_public_key_pem: str | None = Field(
        default=None, description="The key being rotated out (public or private PEM)."
    )
    previous_key_id: str | None = None
    write_jwks_file: bool = Field(
        default=True, description="Write the public JWKS to `internal_jwks` (a path) at start."
    )

    internal_token_ttl_seconds: int = Field(default=60, ge=30, le=3600)
    internal_token_refresh_margin_seconds: int = Field(default=15, ge=5)
    access_token_ttl_seconds: int = Field(default=600, ge=60, le=86400)
    api_key_prefix: str = Field(default="tsk", pattern=r"^[a-z]{2,8}$")
    key_cache_ttl_seconds: float = Field(
        default=5.0, ge=0, le=60, description="How long other replicas may honour a revoked key."
    )
    delegation_cache_ttl_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long other replicas may honour a revoked delegation.",
    )
    last_used_flush_seconds: float = 30.0
    legacy_secret_verifications: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Concurrent checks of client secrets still stored as argon2id (64 MiB each); "
        "token requests beyond them answer 503.",
    )

    rate_limit_storage: str = Field(
        default="memory://", description="`memory://`, or `redis://host:port` shared by replicas."
    )
    rate_limit_read: str = "600/minute"
    rate_limit_write: str = "120/minute"
    rate_limit_public: str = "120/minute"
    rate_limit_token: str = Field(
        default="60/minute", description="Access tokens one client may get (moving window)."
    )
    rate_limit_auth_failures: str = Field(
        default="60/minute",
        description="Failed authentications per failing credential and per address (moving "
        "window); beyond them the failing credentials answer 429, a valid one always passes.",
    )
    rate_limit_storage_timeout_seconds: float = Field(
        default=0.1, gt=0, le=1, description="Connect and read timeout of the Redis storage."
    )
    rate_limit_storage_retry_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="After a storage failure, count in process memory this long before retrying.",
    )

    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    read_timeout_seconds: float = Field(default=15.0, gt=0)
    upstream_pool_size: int = Field(
        default=256, ge=0, description="Idle keep-alive connections kept per upstream."
    )
    upstream_keepalive_seconds: float = Field(
        default=4.0,
        ge=0,
        description="Reuse an idle connection only this long (below uvicorn's 5 s).",
    )
    upstream_transport: Literal["native", "aiohttp"] = Field(
        default="aiohttp",
        description="Upstream HTTP client: aiohttp, or the hand-written pool (`native`), which "
        "spends less gateway CPU per request but did not win on a real service (make bench).",
    )
    upstream_max_connections: int = Field(
        default=64, ge=1, description="Requests in flight at once per upstream (= connections)."
    )
    upstream_max_queued: int = Field(
        default=256, ge=0, description="Requests waiting for a connection per upstream."
    )
    upstream_max_wait_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Longest wait for a connection; then 503 `upstream_saturated`.",
    )
    retry_attempts: int = Field(default=1, ge=0, le=3)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=5.0, gt=0)
    max_buffered_response_bytes: int = Field(default=1 << 20, ge=0)
    body_limits: dict[str, int] = Field(
        default_factory=lambda: {"/registry/v1/imports": 64 << 20},
        description="Gateway path prefix → largest request body in bytes; other routes take "
        "`max_body_bytes` (1 MiB). Refused with 413 as the body streams.",
    )
    max_target_bytes: int = Field(
        default=4096,
        ge=256,
        description="Longest request path plus query; longer ones answer 414 before any lookup.",
    )

    openapi_refresh_seconds: float = Field(default=30.0, gt=0)
    openapi_cache_dir: str | None = Field(
        default=str(VAR_DIR / "openapi-cache"), description="Last good service specs on disk."
    )
    cors_origins: list[str] = Field(default_factory=list)
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Peers whose X-Forwarded-For is kept (load balancers)."
    )
    access_log: bool = True
    migrate_on_start: bool = Field(
        default=True, description="Run the gateway's migrations at start."
    )
    bootstrap_admin_key: SecretStr | None = None
    admin_listen: str | None = Field(
        default=None,
        pattern=r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):[1-9][0-9]{0,4}$",
        description="`host:port` of a second listener serving only /admin/…, /metrics, /healthz "
        "and /readyz (then no longer served on the public one); unset: one listener.",
        examples=["10.0.0.12:9100"],
    )

    @property
    def upstreams(self) -> dict[str, str]:
        """Service name → base URL."""
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in SERVICES}

    @property
    def issuer(self) -> str:
        """`iss` of every token the gateway signs."""
        return self.token_issuer

    @property
    def access_token_audience(self) -> str:
        """`aud` of OAuth access tokens: the gateway itself."""
        return self.public_url.rstrip("/")

    def default_secrets(self) -> list[str]:
        """Settings still at an insecure development default."""
        found = []
        if self.signing_key_pem is None and self.signing_key_file == DEFAULT_SIGNING_KEY_FILE:
            found.append("signing_key_file")
        return found

    @model_validator(mode="after")
    def _refuse_weak_production(self) -> "GatewaySettings":
        if self.environment != "production":
            return self
        problems = []
        key = self.bootstrap_admin_key
        if key is not None and not is_generated_key(key.get_secret_value(), self.api_key_prefix):
            problems.append(
                "bootstrap_admin_key is not a generated key of full strength (generate one: "
                "python -m gateway.auth.apikeys)"
            )
        if "*" in self.cors_origins:
            problems.append("cors_origins allows every origin")
        if problems:
            raise InsecureConfiguration(f"refusing to start in production: {'; '.join(problems)}")
        return self


def jwks_path(settings: GatewaySettings) -> Path | None:
    """Where to write the public JWKS for services, if `internal_jwks` names a file."""
    source = settings.internal_jwks.strip()
    return None if source.startswith("{") else Path(source)
