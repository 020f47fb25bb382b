"""Every funding problem code is documented: named in a route's description or a docs page."""

import inspect
import pkgutil
from importlib import import_module
from pathlib import Path

import services.funding
from services.common.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]


def _codes() -> set[str]:
    codes: set[str] = set()
    for module in pkgutil.walk_packages(services.funding.__path__, "services.funding."):
        if not module.name.endswith(".errors"):
            continue
        for _, cls in inspect.getmembers(import_module(module.name), inspect.isclass):
            if issubclass(cls, DomainError) and cls.__module__ == module.name:
                codes.add(cls.code)
    return codes


def test_every_funding_problem_code_is_documented() -> None:
    texts = [p.read_text() for p in (ROOT / "docs").glob("*.md")]
    texts += [p.read_text() for p in (ROOT / "services" / "funding").rglob("router.py")]
    undocumented = sorted(code for code in _codes() if not any(code in t for t in texts))
    assert undocumented == []
    assert "ledger_account_reserved" in _codes() and len(_codes()) > 40
