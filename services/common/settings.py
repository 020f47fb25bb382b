"""Settings every service shares; each service subclasses with its own env prefix.

Development files (signing keys, the JWKS file, service clients' credentials, the gateway's
OpenAPI cache, default SQLite databases) live under `var/`, or under `TSME_VAR_DIR` when set:
separate stacks on one machine (parallel end-to-end tests, a developer's `make run`) each set
their own.
"""

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("TSME_VAR_DIR") or ROOT / "var")
DEFAULT_JWKS_PATH = str(VAR_DIR / "keys" / "internal-jwks.json")
SERVICE_CLIENTS_DIR = VAR_DIR / "service-clients"

Environment = Literal["development", "test", "production"]


class InsecureConfiguration(RuntimeError):
    """Production mode was asked for with a development default."""


class ServiceSettings(BaseSettings):
    """Common settings; `SERVICE_NAME` comes from the subclass."""

    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore")

    environment: Environment = "development"
    database_url: str = Field(default="", description="SQLAlchemy URL; empty → var/<service>.db")
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema for this service; default: the service name"
    )
    database_pool_size: int = 10
    internal_jwks: str = Field(
        default=DEFAULT_JWKS_PATH,
        description="The gateway's public keys: a JWKS file path or inline JSON",
    )
    token_issuer: str = "taiyuan-gateway"
    log_level: str = "INFO"
    log_json: bool = True
    events_page_max: int = 1000
    max_body_bytes: int = Field(
        default=1 << 20, ge=1024, description="Largest request body of a route with no own limit."
    )
    max_headers: int = Field(default=100, ge=16, description="Most request headers (else 431).")
    max_header_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Most bytes of request headers in all (else 431)."
    )
    body_limits: dict[str, int] = Field(
        default_factory=dict,
        description="Path prefix → largest request body in bytes, over the service's defaults "
        "(e.g. the registry's imports take 64 MiB).",
    )
    gateway_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The gateway this service reads other services' feeds through.",
    )
    feed_batch_size: int = Field(
        default=200,
        ge=1,
        le=1000,
        description="Events a consumer fetches and applies in one transaction (one page).",
    )
    service_client_id: str | None = Field(
        default=None, description="This service's own gateway client (kind `service`)."
    )
    service_client_secret: SecretStr | None = Field(
        default=None, description="That client's OAuth secret."
    )
    service_client_file: str | None = Field(
        default=None,
        description="JSON file with `client_id` and `client_secret`, read when the two settings "
        "are unset; default var/service-clients/<service>.json (written by `make run`).",
    )

    @property
    def service_name(self) -> str:
        """The service this configures, from the env prefix (`REGISTRY_` → `registry`)."""
        prefix = self.model_config.get("env_prefix") or "SERVICE_"
        return prefix.rstrip("_").lower()

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file under var/."""
        return self.database_url or f"sqlite:///{VAR_DIR / (self.service_name + '.db')}"

    @property
    def resolved_schema(self) -> str | None:
        """The PostgreSQL schema that holds this service's tables."""
        if not self.resolved_database_url.startswith("postgresql"):
            return None
        return self.database_schema or self.service_name

    def service_client(self) -> tuple[str, str] | None:
        """This service's gateway client id and secret: from the settings, else from its file."""
        if self.service_client_id and self.service_client_secret:
            return self.service_client_id, self.service_client_secret.get_secret_value()
        path = Path(self.service_client_file or SERVICE_CLIENTS_DIR / f"{self.service_name}.json")
        if not path.is_file():
            return None
        stored = json.loads(path.read_text())
        return str(stored["client_id"]), str(stored["client_secret"])

    def default_secrets(self) -> list[str]:
        """Names of settings still at an insecure development default; subclasses add theirs."""
        found = []
        if self.internal_jwks == DEFAULT_JWKS_PATH:
            found.append("internal_jwks")
        return found

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> "ServiceSettings":
        if self.environment != "production":
            return self
        problems = [f"{name} is a development default" for name in self.default_secrets()]
        if self.resolved_database_url.startswith("sqlite"):
            problems.append("database_url is SQLite")
        if problems:
            prefix = self.model_config.get("env_prefix", "")
            raise InsecureConfiguration(
                f"refusing to start in production: {'; '.join(problems)} (set {prefix}* variables)"
            )
        return self
