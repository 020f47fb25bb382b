"""An import-linter contract for the domain shape (run by `make lint`).

Inside a service, a *domain* is a subpackage with a `router` module. A module of one domain
may import from another domain only that domain's public modules (`service`, `models`,
`schemas`, `errors`, and the pure `rules`), never its router, dependencies or other internals.
Packages without a router (helpers such as `sizing`, `uscc`) and the listed shared modules may
be imported by any domain. Service-level modules (`app`, `demo`, `settings`, `migrations`)
are not domains and wire the domains together.
"""

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class DomainBoundaryContract(Contract):
    """Domains of a service use each other only through their public modules."""

    type_name = "domain_boundaries"

    services = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    shared = fields.ListField(subfield=fields.StringField(), required=False)

    def _domains(self, graph: ImportGraph, service: str) -> set[str]:
        return {
            module.rsplit(".", 1)[0]
            for module in graph.find_descendants(service)
            if module.endswith(".router") and module.count(".") == service.count(".") + 2
        }

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        public: set[str] = set(self.public)  # type: ignore[call-overload]
        shared: tuple[str, ...] = tuple(self.shared or ())  # type: ignore[arg-type]
        broken: list[dict[str, object]] = []
        for service in self.services:  # type: ignore[attr-defined]
            domains = self._domains(graph, service)
            output.verbose_print(verbose, f"{service}: domains {sorted(domains)}")

            def domain_of(module: str, domains: set[str] = domains) -> str | None:
                return next((d for d in domains if module == d or module.startswith(d + ".")), None)

            for importer in sorted(graph.find_descendants(service)):
                source = domain_of(importer)
                if source is None:
                    continue
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    target = domain_of(imported)
                    if target is None or target == source:
                        continue
                    if any(imported == s or imported.startswith(s + ".") for s in shared):
                        continue
                    inner = imported[len(target) + 1 :].split(".", 1)[0]
                    if inner in public:
                        continue
                    lines = [
                        detail["line_number"]
                        for detail in graph.get_import_details(importer=importer, imported=imported)
                    ]
                    broken.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            output.print_error(
                f"{item['importer']} -> {item['imported']} (l. {item['lines']}): "
                "import another domain only through its public modules"
            )
            output.new_line()
