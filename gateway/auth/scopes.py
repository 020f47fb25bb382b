"""Scopes: the catalogue, the defaults per client kind, and the route → scope table of the edge."""

import re
from dataclasses import dataclass

from services.common.identity import ClientKind

SCOPES: dict[str, str] = {
    "registry:read": "Read enterprises, districts, indicators and targets.",
    "registry:write": "File enterprises and complaints, move complaints along (the service "
    "checks who may do which step).",
    "registry:report": "Indicator data, imports, monitoring and tax-relief figures (departments).",
    "registry:admin": "Administer districts, targets and the registry.",
    "credit:read": "Read ratings, consents and one's own credit records.",
    "credit:write": "File credit records (departments; banks their loan records).",
    "credit:reports": "Credit reports, queries and monitoring, with an enterprise's consent (banks).",
    "credit:consent": "Grant and withdraw consents (enterprises, portals on behalf).",
    "credit:resolve": "Resolve objections to one's own records (departments; banks their loan "
    "records).",
    "credit:admin": "Administer rating criteria and the credit service.",
    "vouchers:read": "Read programmes, providers, applications and vouchers.",
    "vouchers:apply": "Apply for vouchers (enterprises, portals on behalf).",
    "vouchers:provide": "Register provider services and redeem vouchers (providers).",
    "vouchers:admin": "Administer programmes, approve applications, run settlements.",
    "funding:read": "Read budgets, allocations, bases, rules and subsidies.",
    "funding:apply": "Apply for subsidies and bridge loans (enterprises, portals on behalf).",
    "funding:loans": "Register 助保贷 loans and defaults (banks).",
    "funding:accept": "Accept bases and confirm acceptance (departments).",
    "funding:admin": "Budgets, allocations, rules, rewards, disbursements, risk pool.",
    "events:read": "Read services' event feeds.",
    "on_behalf": "Act for the enterprise named in `X-On-Behalf-Of`.",
    "admin": "Administer the gateway: clients, keys, secrets.",
}

_ENTERPRISE = (
    "registry:read",
    "registry:write",
    "credit:read",
    "credit:consent",
    "vouchers:read",
    "vouchers:apply",
    "funding:read",
    "funding:apply",
)

# What a portal may use for an enterprise: what the enterprise itself holds.
DELEGABLE_SCOPES = frozenset(_ENTERPRISE)

# Scopes of the parties an administrator oversees: banks, providers, portals (and the
# enterprises portals act for). Separation of duties: an admin may never hold them.
PARTY_SCOPES = frozenset(
    {
        "on_behalf",
        "credit:reports",
        "credit:consent",
        "vouchers:apply",
        "vouchers:provide",
        "funding:apply",
        "funding:loans",
    }
)

# The most a client of each kind may hold (its defaults when created without scopes).
DEFAULT_SCOPES: dict[ClientKind, tuple[str, ...]] = {
    ClientKind.ADMIN: tuple(scope for scope in SCOPES if scope not in PARTY_SCOPES),
    ClientKind.DEPARTMENT: (
        "registry:read",
        "registry:write",
        "registry:report",
        "credit:read",
        "credit:write",
        "credit:resolve",
        "vouchers:read",
        "funding:read",
        "funding:accept",
    ),
    ClientKind.BANK: (
        "registry:read",
        "credit:read",
        "credit:write",  # loan records about its own loans only (the records service checks)
        "credit:resolve",  # objections to its own loan records (the objections service checks)
        "credit:reports",
        "funding:read",
        "funding:loans",
    ),
    ClientKind.PROVIDER: ("registry:read", "vouchers:read", "vouchers:provide", "funding:read"),
    ClientKind.PORTAL: (*_ENTERPRISE, "on_behalf"),
    ClientKind.ENTERPRISE: _ENTERPRISE,
    # A service reads the feeds it consumes, nothing else.
    ClientKind.SERVICE: ("events:read",),
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC = ""  # the scope of routes anyone may call without a key


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the route table: a path pattern, and the scope a read or write needs."""

    name: str
    pattern: str
    read: str
    write: str

    def scope_for(self, method: str) -> str:
        """The scope this method needs on this route ('' = public)."""
        return self.read if method in READ_METHODS else self.write


def _rules(service: str, rows: list[tuple[str, str, str, str]]) -> list[Rule]:
    return [Rule(name=f"{service}.{name}", pattern=p, read=r, write=w) for name, p, r, w in rows]


# Patterns: `*` is one path segment, `**` the rest. The first matching row wins; a service's
# last row is its catch-all (read → `<service>:read`, write → `<service>:admin`).
ROUTES: dict[str, list[Rule]] = {
    "registry": _rules(
        "registry",
        [
            ("public", "/v1/public/**", PUBLIC, PUBLIC),
            ("events", "/v1/events/**", "events:read", "admin"),
            # Enterprises and portals report their own figures; the service decides who may
            # report which source.
            (
                "enterprise_indicators",
                "/v1/enterprises/*/indicators/**",
                "registry:read",
                "registry:write",
            ),
            ("precedence", "/v1/indicators/precedence", PUBLIC, "registry:admin"),
            ("indicators", "/v1/indicators/**", "registry:read", "registry:report"),
            ("monitoring", "/v1/monitoring/**", "registry:read", "registry:report"),
            ("imports", "/v1/imports/**", "registry:read", "registry:report"),
            ("tax_relief", "/v1/tax-relief/**", "registry:read", "registry:report"),
            ("calendar", "/v1/calendar/**", "registry:read", "registry:admin"),
            ("remits", "/v1/remits/**", "registry:admin", "registry:admin"),
            ("complaints", "/v1/complaints/**", "registry:read", "registry:write"),
            ("enterprises", "/v1/enterprises/**", "registry:read", "registry:write"),
            ("districts", "/v1/districts/**", PUBLIC, "registry:admin"),
            ("industries", "/v1/industries/**", PUBLIC, "registry:admin"),
            ("targets", "/v1/targets/**", "registry:read", "registry:admin"),
            ("other", "/**", "registry:read", "registry:admin"),
        ],
    ),
    "credit": _rules(
        "credit",
        [
            ("public", "/v1/public/**", PUBLIC, PUBLIC),
            ("events", "/v1/events/**", "events:read", "admin"),
            ("reports", "/v1/reports/**", "credit:reports", "credit:reports"),
            ("queries", "/v1/queries/**", "credit:reports", "credit:reports"),
            ("monitoring", "/v1/monitoring/**", "credit:reports", "credit:reports"),
            ("consents", "/v1/consents/**", "credit:read", "credit:consent"),
            # Enterprises (and portals on behalf) attach statements to records about them.
            ("statements", "/v1/records/*/statements", "credit:read", "credit:consent"),
            ("records", "/v1/records/**", "credit:read", "credit:write"),
            ("objection_resolve", "/v1/objections/*/**", "credit:read", "credit:resolve"),
            ("objections", "/v1/objections", "credit:read", "credit:consent"),
            ("ratings", "/v1/ratings/**", "credit:read", "credit:admin"),
            # A bank reads a report under consent; the enterprise reads who did.
            ("enterprise_report", "/v1/enterprises/*/report", "credit:reports", "credit:reports"),
            ("enterprise_queries", "/v1/enterprises/*/queries", "credit:read", "credit:admin"),
            ("rule_sets", "/v1/rule-sets/**", "credit:read", "credit:admin"),
            # Anyone holding a credit key may object to a 诚信企业 candidate during the notice.
            (
                "certification_objections",
                "/v1/certification/rounds/*/objections",
                "credit:read",
                "credit:read",
            ),
            ("other", "/**", "credit:read", "credit:admin"),
        ],
    ),
    "vouchers": _rules(
        "vouchers",
        [
            ("public", "/v1/public/**", PUBLIC, PUBLIC),
            ("events", "/v1/events/**", "events:read", "admin"),
            ("applications", "/v1/applications", "vouchers:read", "vouchers:apply"),
            ("application", "/v1/applications/*/**", "vouchers:read", "vouchers:admin"),
            # Admin decisions on a provider; the rest of /v1/providers is the provider's own.
            ("provider_decision", "/v1/providers/*/decision", "vouchers:read", "vouchers:admin"),
            ("providers", "/v1/providers/**", "vouchers:read", "vouchers:provide"),
            # The provider that made it or an admin (who never holds vouchers:provide): both hold
            # vouchers:read; the service asks each kind for its own write scope.
            ("reversal", "/v1/redemptions/*/reversal", "vouchers:read", "vouchers:read"),
            ("redemptions", "/v1/redemptions/**", "vouchers:read", "vouchers:provide"),
            ("vouchers", "/v1/vouchers/**", "vouchers:read", "vouchers:admin"),
            ("other", "/**", "vouchers:read", "vouchers:admin"),
        ],
    ),
    "funding": _rules(
        "funding",
        [
            # Reading checkpoints is public; asking for one now is an admin's.
            ("ledger_checkpoints", "/v1/public/ledger/checkpoints", PUBLIC, "funding:admin"),
            ("public", "/v1/public/**", PUBLIC, PUBLIC),
            ("ledger", "/v1/ledger/**", PUBLIC, "funding:admin"),
            ("events", "/v1/events/**", "events:read", "admin"),
            # 应急周转: enterprises (portals on behalf) apply, the office records repayments,
            # the registered loan's bank confirms the renewal.
            ("bridge_apply", "/v1/bridge-loans", "funding:read", "funding:apply"),
            ("bridge_repayment", "/v1/bridge-loans/*/repayment", "funding:read", "funding:admin"),
            ("loans", "/v1/bridge-loans/**", "funding:read", "funding:loans"),
            # Banks register their 助保贷 loans, repayments, defaults and recoveries.
            ("risk_pool_loans", "/v1/risk-pool/loans/**", "funding:read", "funding:loans"),
            ("risk_pool", "/v1/risk-pool/**", "funding:read", "funding:admin"),
            ("acceptance", "/v1/bases/*/acceptance/**", "funding:read", "funding:accept"),
            # Districts file bases, correct them and report KPIs; responsible departments
            # decide and exit (department clients: funding:read + funding:accept; the service
            # tells a district from a department by the client's org).
            ("bases", "/v1/bases/**", "funding:read", "funding:accept"),
            # A district reports its matching payments, an admin records them: both hold
            # funding:read; the service asks each kind for its own write scope.
            (
                "matching_payments",
                "/v1/districts/*/matching/payments",
                "funding:read",
                "funding:read",
            ),
            ("subsidies", "/v1/subsidies/**", "funding:read", "funding:apply"),
            # What became of each voucher settlement is the demonstration office's to read.
            (
                "settlement_requests",
                "/v1/settlement-requests/**",
                "funding:admin",
                "funding:admin",
            ),
            # Guarantee institutions (clients of kind `bank`, org = their code in the scheme)
            # register guarantees and report payouts; the service checks the org.
            ("guarantees", "/v1/guarantees/**", "funding:read", "funding:loans"),
            ("other", "/**", "funding:read", "funding:admin"),
        ],
    ),
}


# Irreversible actions: never done on behalf (the gateway refuses them with X-On-Behalf-Of; the
# service refuses them for a token with an `act` claim). Method and pattern per service.
IRREVERSIBLE: dict[str, tuple[tuple[str, str], ...]] = {
    "registry": (("POST", "/v1/enterprises/*/deregistration"),),
}

# What a portal's own filing of a new enterprise lets it do until the enterprise confirms:
# the filing itself, and reading back the record it filed.
FILING = ("registry", "/v1/enterprises")
FILING_SCOPES = frozenset({"registry:read", "registry:write"})


def _compile(pattern: str) -> re.Pattern[str]:
    parts = []
    for segment in pattern.strip("/").split("/"):
        if segment == "**":
            parts.append("(?:/.*)?")
        elif segment == "*":
            parts.append("/[^/]+")
        else:
            parts.append("/" + re.escape(segment))
    return re.compile("".join(parts) + "/?$")


_COMPILED: dict[str, list[tuple[re.Pattern[str], Rule]]] = {
    service: [(_compile(rule.pattern), rule) for rule in rules] for service, rules in ROUTES.items()
}


def rule_for(service: str, path: str) -> Rule | None:
    """The route-table row for a path of a service (the path as the service sees it).

    Not cached by path: callers choose paths, so a cache keyed on them grows with an attack;
    matching the few compiled patterns is cheap.
    """
    for pattern, rule in _COMPILED.get(service, ()):
        if pattern.match(path):
            return rule
    return None


_IRREVERSIBLE = {
    service: tuple((method, _compile(pattern)) for method, pattern in rows)
    for service, rows in IRREVERSIBLE.items()
}


def is_irreversible(service: str, method: str, path: str) -> bool:
    """Whether this call is an action never done on behalf."""
    return any(m == method and p.match(path) for m, p in _IRREVERSIBLE.get(service, ()))


def within_filing(service: str, method: str, path: str, uscc: str) -> bool:
    """Whether a call is the filing of `uscc` or the read of the record it filed."""
    if service != FILING[0]:
        return False
    trimmed = path.rstrip("/")
    if method == "POST":
        return trimmed == FILING[1]
    return method in READ_METHODS and trimmed == f"{FILING[1]}/{uscc}"


def validate_scopes(scopes: list[str]) -> list[str]:
    """The scopes not in the catalogue."""
    return [scope for scope in scopes if scope not in SCOPES]


def scopes_for_audience(scopes: frozenset[str], service: str) -> tuple[str, ...]:
    """The scopes worth telling a service about: its own plus the cross-cutting ones."""
    prefix = service + ":"
    return tuple(
        sorted(s for s in scopes if s.startswith(prefix) or ":" not in s or s == "events:read")
    )
