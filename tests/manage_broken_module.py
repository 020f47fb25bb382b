"""A module whose own import fails: `services.manage` must not hide that as "not built yet"."""

import no_such_dependency  # type: ignore[import-not-found]  # noqa: F401


def seed() -> None:
    """Never reached."""
