"""The benchmark's upstream: one route answering a small JSON page, with no database.

`BENCH_UPSTREAM_MODE=service` builds it as every service is built (services/common/app.py: the
kernel's middleware, problem handlers and internal-token check); `trivial` is a bare FastAPI
route. The difference is the kernel's share of a request.
"""

import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

from services.common.app import create_service_app
from services.common.identity import CurrentClient
from services.common.settings import ServiceSettings


class Item(BaseModel):
    """One row of the page."""

    uscc: str
    name: str
    district: str


class Page(BaseModel):
    """A page of items."""

    items: list[Item]
    next_cursor: str | None = None


ITEMS = [
    Item(uscc="91140105MA0KDE119Q", name="Taiyuan Demo Tech Co., Ltd.", district="140105"),
    Item(uscc="91140106MA0KDE223B", name="Jinyang Instruments Co., Ltd.", district="140106"),
    Item(uscc="91140107MA0KDE331X", name="Fenhe Materials Co., Ltd.", district="140107"),
]


class BenchSettings(ServiceSettings):
    """A service named `registry` (the audience the bench's internal token names)."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")


def create_app() -> FastAPI:
    """The upstream app."""
    page = Page(items=ITEMS)
    if os.environ.get("BENCH_UPSTREAM_MODE", "service") == "trivial":
        app = FastAPI(title="bench upstream")

        @app.get("/v1/enterprises")
        def trivial_list() -> Page:
            return page

        @app.get("/healthz")
        def healthz() -> dict[str, str]:
            return {"status": "ok"}

        return app

    router = APIRouter()

    @router.get("/v1/enterprises")
    def service_list(client: CurrentClient) -> Page:
        return page

    settings = BenchSettings(
        internal_jwks=os.environ["BENCH_JWKS"],
        database_url=f"sqlite:///{tempfile.gettempdir()}/bench-upstream-unused.db",
        log_level="WARNING",
    )
    return create_service_app(
        settings=settings,
        title="bench upstream",
        description="The kernel around one route.",
        routers=[router],
        migrations=Path(__file__).resolve().parents[2] / "services/registry/migrations",
    )
