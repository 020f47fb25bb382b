"""The deliberate bugs that once passed the whole suite (issue 14, item 2), each put back into a
scratch copy of the tree and met by the test named after it, which must fail, and for the reason
the bug gives (`make seeded-bugs`).

    python -m tools.seeded_bugs             # every bug (PostgreSQL's need MUTATE_POSTGRES_URL)
    python -m tools.seeded_bugs --list      # the bugs, their edits and their tests
    python -m tools.seeded_bugs outbox-writer-lock id-check-swapped

First the named tests run on the unchanged copy and must pass (a test that fails anyway proves
nothing); then, for each bug, its edit is applied (its text must occur exactly once: a bug whose
code has moved on is reported, not skipped), its tests run and must fail with the bug's telltale
in pytest's output, and the edit is undone. Exit 1 unless every bug is caught.
"""

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass

from tools.mutate import ROOT, copy_tree

WORK = ROOT / "var" / "seeded-bugs"
TREE = WORK / "tree"


@dataclass(frozen=True)
class Bug:
    """One deliberate bug: text replacements in one file, and the tests that must catch it."""

    name: str
    what: str
    path: str
    edits: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]
    # In pytest's output (all of them, when several) when the tests fail because of this bug.
    telltale: str | tuple[str, ...]
    postgres: bool = False  # the bug shows only on PostgreSQL


_POOL = "tests/gateway/test_proxy_pool.py::"
_ID = "tests/registry/test_id_number.py::"

BUGS: tuple[Bug, ...] = (
    Bug(
        "idempotency-key-kept",
        "a failed request never releases its Idempotency-Key (the claim committed on its own)",
        "services/common/idempotency.py",
        (
            (
                '"p_now": utcnow()},\n        )\n        return',
                '"p_now": utcnow()},\n        )\n        session.commit()\n        return',
            ),
        ),
        ("tests/common/test_idempotency.py::test_failed_request_releases_the_key",),
        "assert 'idempotency_in_progress' == 'name_taken'",
    ),
    Bug(
        "if-match-star",
        "`If-Match: *` no longer matches an existing resource",
        "services/common/etag.py",
        (
            (
                'if "*" not in candidates and current not in candidates:',
                "if current not in candidates:",
            ),
        ),
        (
            "tests/common/test_etag_pagination.py::test_if_match_star_or_a_listed_current_tag_updates_an_existing_resource",
        ),
        "assert 412 == 200",
    ),
    Bug(
        "rate-limit-shared-moving",
        "one moving-window counter shared by a client's writes and token requests",
        "gateway/ratelimit/limiter.py",
        (('key = f"rl/{klass}/{identity}/{window}"', 'key = f"rl/{identity}/{window}"'),),
        (
            "tests/gateway/test_ratelimit.py::test_route_classes_with_equal_windows_keep_their_own_counters",
        ),
        "assert [429, 429, 429, 429] == [200, 200, 200, 429]",  # writes after 3 token requests
    ),
    Bug(
        "rate-limit-shared-fixed",
        "one fixed-window counter shared by a client's reads and public requests",
        "gateway/ratelimit/limiter.py",
        (
            (
                'key = f"rl/{klass}/{identity}/{window}/{index}"',
                'key = f"rl/{identity}/{window}/{index}"',
            ),
        ),
        (
            "tests/gateway/test_ratelimit.py::test_every_route_class_counts_apart_for_the_same_identity",
        ),
        "public counted the hits of read",
    ),
    Bug(
        "outbox-writer-lock",
        "the outbox writer's PostgreSQL advisory lock (its announcement) removed",
        "services/common/outbox.py",
        (("    _announce_writer(session)\n    # Core executemany", "    # Core executemany"),),
        (
            "tests/common/test_outbox_feed.py::test_a_reader_stops_before_an_earlier_writer_still_in_flight",
        ),
        "past a writer still in flight",
        postgres=True,
    ),
    Bug(
        "public-summary-off-by-one",
        "a district's actual from one reporter fewer than the disclosure minimum is shown",
        "services/registry/monitoring/service.py",
        (("if 0 < n < minimum}", "if 0 < n < minimum - 1}"),),
        (
            "tests/registry/test_monitoring.py::test_every_shown_actual_in_the_sample_has_the_minimum_of_reporters",
        ),
        "assert reporting >= minimum",
    ),
    Bug(
        "public-summary-city-off-by-one",
        "the city's actual from one reporter fewer than the disclosure minimum is shown",
        "services/registry/monitoring/service.py",
        (
            (
                "0 < city.reporting_enterprises < minimum:",
                "0 < city.reporting_enterprises < minimum - 1:",
            ),
        ),
        (
            "tests/registry/test_monitoring.py::test_suppressed_units_hide_what_subtraction_would_reveal",
        ),
        "assert set() == {'city'}",
    ),
    Bug(
        "id-check-swapped",
        "two check characters of the resident ID number (GB 11643) swapped",
        "services/registry/enterprises/rules.py",
        (('_ID_CHECK: Final = "10X98765432"', '_ID_CHECK: Final = "1X098765432"'),),
        (f"{_ID}test_check_character_agrees_with_the_standard_and_stdnum_over_generated_numbers",),
        "assert id_check_character(first17) == expected",
    ),
    Bug(
        "id-birth-date-impossible",
        "an ID number with an impossible birth date (month 13, 30 February) accepted",
        "services/registry/enterprises/rules.py",
        (
            (
                "    except ValueError:\n        return None\n",
                "    except ValueError:\n        return date(int(yyyymmdd[:4]), 1, 1)\n",
            ),
        ),
        (f"{_ID}test_an_impossible_date_or_region_is_refused_naming_its_positions",),
        ("[14010519801301001-", "assert (None is not None"),  # month 13's case, accepted
    ),
    Bug(
        "id-region-unknown",
        "an ID number whose positions 1-6 are no GB/T 2260 division accepted",
        "services/registry/enterprises/rules.py",
        (("    if not _region_known(value[:6], born.year):", "    if False:"),),
        (f"{_ID}test_an_impossible_date_or_region_is_refused_naming_its_positions",),
        ("[99999919800101001-", "assert (None is not None"),  # no such division, accepted
    ),
    Bug(
        "uscc-check-swapped",
        "two characters of the USCC check alphabet (GB 32100) swapped",
        "services/registry/uscc/charset.py",
        (
            (
                'CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"',
                'CHARSET: Final = "0123456789ABCDEFGHJKLMNPQRTUWYX"',
            ),
        ),
        (
            "tests/registry/test_uscc.py::test_check_character_agrees_with_stdnum_over_generated_codes",
        ),
        "assert uscc_check_character(first17) == stdnum_uscc.calc_check_digit(first17)",
    ),
    Bug(
        "uscc-authority-category-lost",
        "a registration authority's category missing from the USCC authority table",
        "services/registry/uscc/authorities.py",
        (('                    "3": "中央编办直接管理机构编制的群众团体",\n', ""),),
        ("tests/registry/test_uscc.py::test_the_authority_table_names_what_the_standard_names",),
        "{'1': ('机构编制', {'1': '机关', '2': '事业单位', '9': '其他'})} != ",  # the table, then the standard
    ),
    Bug(
        "proxy-post-retried",
        "POST among the methods the proxy retries",
        "gateway/proxy/handler.py",
        (
            (
                'IDEMPOTENT = frozenset({"GET", "HEAD",',
                'IDEMPOTENT = frozenset({"POST", "GET", "HEAD",',
            ),
        ),
        (f"{_POOL}test_a_failed_get_is_retried_and_a_failed_post_never",),
        "a POST was sent twice",
    ),
    Bug(
        "pool-keepalive-ignored",
        "the native pool reuses an idle connection past the keep-alive",
        "gateway/proxy/pool.py",
        (("                if candidate.idle_since < fresh_after:", "                if False:"),),
        (f"{_POOL}test_an_idle_connection_is_not_reused_past_the_keepalive[native]",),
        "reused past the keep-alive",
    ),
    Bug(
        "aiohttp-keepalive-ignored",
        "the aiohttp transport keeps idle connections for aiohttp's default, not the setting",
        "gateway/proxy/transport.py",
        (("keepalive_timeout=self._keepalive, ", ""),),
        (f"{_POOL}test_an_idle_connection_is_not_reused_past_the_keepalive[aiohttp]",),
        "reused past the keep-alive",
    ),
    Bug(
        "pool-never-pooled",
        "the native pool closes every connection after its answer",
        "gateway/proxy/pool.py",
        (("        if keep and len(self._idle) < self.max_idle:", "        if False:"),),
        (f"{_POOL}test_sequential_requests_share_one_pooled_connection[native]",),
        "new connections for 9 sequential requests",
    ),
    Bug(
        "aiohttp-never-pooled",
        "the aiohttp transport closes every connection after its answer",
        "gateway/proxy/transport.py",
        (("keepalive_timeout=self._keepalive, ", "force_close=True, "),),
        (f"{_POOL}test_sequential_requests_share_one_pooled_connection[aiohttp]",),
        "new connections for 9 sequential requests",
    ),
)


def pytest(tests: list[str], postgres_url: str | None) -> subprocess.CompletedProcess[str]:
    """The tests in the scratch tree, on SQLite or on the PostgreSQL server at `postgres_url`."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TEST_POSTGRES_URL": postgres_url or ""}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--no-header",
            "--tb=short",
            "--show-capture=no",  # logs (timestamps, ports) must not supply a telltale
            "-p",
            "no:xdist",
            *tests,
        ],
        cwd=TREE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def seeded(bug: Bug, postgres_url: str | None) -> str:
    """Run the bug's tests with the bug in place: what became of it."""
    path = TREE / bug.path
    original = path.read_text(encoding="utf-8")
    changed = original
    for old, new in bug.edits:
        if changed.count(old) != 1:
            return f"NOT APPLIED: {old!r} occurs {changed.count(old)} times in {bug.path}"
        changed = changed.replace(old, new)
    path.write_text(changed, encoding="utf-8")
    try:
        run = pytest(list(bug.tests), postgres_url if bug.postgres else None)
    finally:
        path.write_text(original, encoding="utf-8")
    output = run.stdout + run.stderr
    if run.returncode == 0:
        return "MISSED: the tests pass with the bug"
    if run.returncode != 1:
        return f"ERROR: pytest exited {run.returncode}\n{output[-2000:]}"
    telltales = (bug.telltale,) if isinstance(bug.telltale, str) else bug.telltale
    absent = [telltale for telltale in telltales if telltale not in output]
    if absent:
        return f"FAILED FOR ANOTHER REASON (no {absent!r} in the output)\n{output[-2000:]}"
    return "caught"


def main() -> int:
    """Check the chosen bugs (all by default) and print what caught each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bugs", nargs="*", help=f"some of: {', '.join(b.name for b in BUGS)}")
    parser.add_argument("--list", action="store_true", help="print the bugs and their tests")
    args = parser.parse_args()
    if args.list:
        for bug in BUGS:
            print(f"{bug.name}: {bug.what}\n  {bug.path}: {bug.edits}\n  <- {' '.join(bug.tests)}")
        return 0
    unknown = set(args.bugs) - {b.name for b in BUGS}
    if unknown:
        parser.error(f"unknown bug(s): {', '.join(sorted(unknown))}")
    chosen = [b for b in BUGS if not args.bugs or b.name in args.bugs]
    postgres_url = os.environ.get("MUTATE_POSTGRES_URL") or None
    if postgres_url is None and any(b.postgres for b in chosen):
        print("MUTATE_POSTGRES_URL is not set: the PostgreSQL-only bugs cannot be seeded")
        return 1
    copy_tree(TREE)
    for url in (None, postgres_url):
        tests = sorted({t for b in chosen if b.postgres == (url is not None) for t in b.tests})
        if tests:
            clean = pytest(tests, url)
            if clean.returncode != 0:
                print(f"the tests fail without any bug ({'PostgreSQL' if url else 'SQLite'}):")
                print((clean.stdout + clean.stderr)[-3000:])
                return 1
    print(f"{len(chosen)} bugs; their tests pass on the unchanged tree")
    missed = 0
    for bug in chosen:
        outcome = seeded(bug, postgres_url)
        missed += outcome != "caught"
        print(f"{bug.name:30} {outcome:8} by {', '.join(t.split('::')[-1] for t in bug.tests)}")
    print(f"{len(chosen) - missed} of {len(chosen)} caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
