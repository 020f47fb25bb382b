"""The benchmark's upstream: a service-shaped FastAPI app (kernel request context, problem
handlers, internal-token check) answering a small JSON page, with no database.

`BENCH_UPSTREAM_MODE=trivial` drops the kernel middleware and the token check (a bare route).
"""

import os

from fastapi import FastAPI
from pydantic import BaseModel

from services.common.errors import install_problem_handlers
from services.common.identity import CurrentClient
from services.common.observability import RequestContextMiddleware, configure_logging
from services.common.tokens import DEFAULT_ISSUER, TokenVerifier, load_jwks


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


def create_app() -> FastAPI:
    """The upstream app."""
    mode = os.environ.get("BENCH_UPSTREAM_MODE", "service")
    app = FastAPI(title="bench upstream")
    page = Page(items=ITEMS)
    if mode == "trivial":

        @app.get("/v1/enterprises")
        def trivial_list() -> Page:
            return page

    else:
        configure_logging("WARNING")
        app.state.token_verifier = TokenVerifier(
            load_jwks(os.environ["BENCH_JWKS"]), issuer=DEFAULT_ISSUER, audience="registry"
        )
        install_problem_handlers(app)
        app.add_middleware(RequestContextMiddleware, service="registry")

        @app.get("/v1/enterprises")
        def service_list(client: CurrentClient) -> Page:
            return page

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
