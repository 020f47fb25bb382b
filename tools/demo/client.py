"""The Python client generated from the gateway's merged OpenAPI, and the calls the story makes."""

import importlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

PACKAGE = "tsme_client"
COMPLAINTS = re.compile(r"^.*(?:warning|error|unable|skipp|could not).*$", re.I | re.M)


class GenerationFailed(RuntimeError):
    """openapi-python-client failed or complained about the document."""


def generate(document: str, out: Path) -> Path:
    """Generate the package from `document` into `out` (replaced); any warning fails it."""
    out.mkdir(parents=True, exist_ok=True)
    spec, config = out / "openapi.json", out / "config.yml"
    spec.write_text(document)
    config.write_text(
        f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"
    )
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            str(generator),
            "generate",
            *("--path", str(spec), "--output-path", str(out / PACKAGE)),
            *("--meta", "none", "--config", str(config), "--overwrite", "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 or COMPLAINTS.search(output):
        raise GenerationFailed(f"openapi-python-client complained:\n{output}")
    return out


def load(out: Path) -> ModuleType:
    """Import the generated package from `out` (fresh, should an older one be loaded)."""
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


class CallFailed(RuntimeError):
    """An answer other than the one the story expects."""

    def __init__(self, operation: str, status: int, body: str) -> None:
        super().__init__(f"{operation} answered {status}: {body}")
        self.operation, self.status, self.body = operation, status, body


@dataclass(frozen=True)
class Answer:
    """A call's status, headers and parsed body."""

    status: int
    headers: dict[str, str]
    parsed: Any
    content: bytes

    @property
    def code(self) -> str | None:
        """The problem's `code`, if the answer is a problem."""
        return getattr(self.parsed, "code", None) if self.status >= 400 else None


class Api:
    """The generated package's operations by operationId, called as a given client."""

    def __init__(self, package: ModuleType, base_url: str) -> None:
        self.package, self.base_url = package, base_url
        root = Path(str(package.__file__)).parent / "api"
        self._modules = {
            p.stem: f"{PACKAGE}.api.{p.parent.name}.{p.stem}" for p in root.glob("*/*.py")
        }
        self.models = importlib.import_module(f"{PACKAGE}.models")

    def client(self, key: str | None = None) -> Any:
        """An (authenticated) client of the gateway."""
        timeout = httpx.Timeout(60.0)
        if key is None:
            return self.package.Client(base_url=self.base_url, timeout=timeout)
        return self.package.AuthenticatedClient(base_url=self.base_url, token=key, timeout=timeout)

    def body(self, model: str, data: dict[str, Any]) -> Any:
        """A request body of the generated model `model`."""
        return getattr(self.models, model).from_dict(data)

    def call(
        self, operation: str, *args: Any, ok: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Answer:
        """Call an operation; an answer outside `ok` raises CallFailed naming it."""
        module = importlib.import_module(self._modules[operation])
        response = module.sync_detailed(*args, **kwargs)
        answer = Answer(
            status=int(response.status_code),
            headers=dict(response.headers),
            parsed=response.parsed,
            content=response.content,
        )
        if answer.status not in ok:
            raise CallFailed(operation, answer.status, response.content.decode(errors="replace"))
        return answer
