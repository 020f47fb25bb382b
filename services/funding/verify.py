"""Check the funding service's public ledger from outside, as anyone can.

    python -m services.funding.verify http://127.0.0.1:8000            # through the gateway
    python -m services.funding.verify http://127.0.0.1:8002 --prefix ''  # the service itself

Downloads every record and checkpoint over HTTP (no key needed), recomputes each record's hash
(`services.funding.public.chain` documents the bytes), follows the chain from the genesis hash,
checks every checkpoint's Ed25519 signature against the published key and that the chain still
holds what each checkpoint signed, and names each record found altered, removed or reordered
by its sequence number. Exit code 0: the ledger verifies; 1: findings (printed); 2: the ledger
could not be read.
"""

import argparse
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from services.funding.public.chain import (
    GENESIS,
    public_key_of_jwk,
    record_hash,
    signature_valid,
    timestamp_text,
)

LEDGER = "/v1/public/ledger"
RECORD_PAGE = 1000
CHECKPOINT_PAGE = 500
_HASHED_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_MOST_LISTED = 20  # a longer run of removed records is one finding naming the range

ALTERED, REMOVED, REORDERED, REWRITTEN = "altered", "removed", "reordered", "rewritten"
BAD_SIGNATURE, UNKNOWN_KEY, MALFORMED = "bad_signature", "unknown_key", "malformed"
BAD_CORRECTION = "bad_correction"


@dataclass(frozen=True)
class Finding:
    """Something wrong with the ledger: what, at which sequence number (or checkpoint), why."""

    kind: str
    sequence: int | None
    detail: str
    checkpoint: str | None = None

    def __str__(self) -> str:
        where = f"record {self.sequence}" if self.sequence is not None else "ledger"
        if self.checkpoint is not None:
            where = f"checkpoint {self.checkpoint}" + (
                f" (sequence {self.sequence})" if self.sequence is not None else ""
            )
        return f"{where}: {self.kind} — {self.detail}"


@dataclass
class Report:
    """What the verifier read and found."""

    records: int
    checkpoints: int
    head_sequence: int
    head_hash: str
    key_id: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the ledger verified with no finding."""
        return not self.findings

    def sequences(self, kind: str | None = None) -> set[int]:
        """The sequence numbers named by findings (of one kind)."""
        return {
            f.sequence
            for f in self.findings
            if f.sequence is not None and (kind is None or f.kind == kind)
        }


def _moment(value: Any) -> str:
    """A timestamp as hashed (UTC, whole seconds, `Z`), from the API's RFC 3339 text."""
    if not isinstance(value, str):
        raise TypeError("a timestamp is a string")
    if _HASHED_MOMENT.match(value):
        return value  # already in the hashed form
    return timestamp_text(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _hash_of(record: Mapping[str, Any], *, sequence: int | None = None) -> str:
    fields = dict(record)
    fields["published_at"] = _moment(record["published_at"])
    if sequence is not None:
        fields["sequence"] = sequence
    return record_hash(fields)


def _removed(first: int, last: int, why: str) -> list[Finding]:
    if last - first + 1 > _MOST_LISTED:
        return [Finding(REMOVED, first, f"records {first}–{last} are missing ({why})")]
    return [Finding(REMOVED, n, f"missing ({why})") for n in range(first, last + 1)]


def recomputed_hash(record: Mapping[str, Any]) -> str | None:
    """The hash the record's fields give, or None if they cannot be hashed (missing, mistyped)."""
    try:
        return _hash_of(record)
    except (KeyError, TypeError, ValueError):
        return None


def verify_chain(
    records: Sequence[Mapping[str, Any]], computed: Sequence[str | None] | None = None
) -> tuple[list[Finding], set[int]]:
    """Findings of the records as listed (sequence order), and the sequences they flag.

    `computed[i]` is `recomputed_hash(records[i])` when the caller has it already."""
    if computed is None:
        computed = [recomputed_hash(record) for record in records]
    findings: list[Finding] = []
    flagged: set[int] = set()
    owner = {r.get("hash"): r for r in records}  # stored hash → the record holding it
    seen: set[int] = set()
    previous: Mapping[str, Any] | None = None
    for record, recomputed in zip(records, computed, strict=True):
        sequence = record.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            findings.append(Finding(MALFORMED, None, f"a record without a sequence: {record!r}"))
            continue
        last = previous["sequence"] if previous is not None else 0
        if sequence <= last:
            findings.append(Finding(REORDERED, sequence, f"listed after record {last}"))
            flagged.add(sequence)
            continue
        gap = sequence > last + 1
        if gap:
            findings += _removed(last + 1, sequence - 1, f"record {sequence} follows {last}")
        if recomputed is None:
            findings.append(Finding(MALFORMED, sequence, "its fields are missing or mistyped"))
            flagged.add(sequence)
            previous = record
            seen.add(sequence)
            continue
        if recomputed != record.get("hash"):
            findings.append(_misplaced_or_altered(record, owner))
            flagged.add(sequence)
        elif not gap:
            expected = GENESIS if previous is None else previous["hash"]
            if record["previous_hash"] != expected and (last not in flagged):
                finding = _broken_link(record, last, owner)
                findings.append(finding)
                flagged.add(finding.sequence or sequence)
        corrects = record.get("corrects")
        if corrects is not None and (not isinstance(corrects, int) or corrects not in seen):
            findings.append(
                Finding(BAD_CORRECTION, sequence, f"corrects {corrects!r}, no earlier record")
            )
        previous = record
        seen.add(sequence)
    return findings, flagged


def _misplaced_or_altered(record: Mapping[str, Any], owner: Mapping[Any, Any]) -> Finding:
    """A record whose fields do not give its hash: moved from elsewhere, or changed."""
    sequence = record["sequence"]
    before = owner.get(record["previous_hash"])
    origin = 1 if record["previous_hash"] == GENESIS else None
    if before is not None and isinstance(before.get("sequence"), int):
        origin = before["sequence"] + 1
    if (
        origin is not None
        and origin != sequence
        and _hash_of(record, sequence=origin) == record["hash"]
    ):
        return Finding(REORDERED, sequence, f"holds the record published as sequence {origin}")
    return Finding(ALTERED, sequence, "its fields no longer give its hash")


def _broken_link(record: Mapping[str, Any], last: int, owner: Mapping[Any, Any]) -> Finding:
    """An intact record not chained to the one listed before it."""
    sequence = record["sequence"]
    if last == 0:
        return Finding(ALTERED, sequence, "the first record does not chain from the genesis hash")
    before = owner.get(record["previous_hash"])
    if before is not None:
        return Finding(
            REORDERED,
            sequence,
            f"chains to the record listed at sequence {before['sequence']}, not to {last}",
        )
    return Finding(
        ALTERED,
        last,
        f"record {sequence} chains to a hash no record has: record {last} was rewritten "
        "(its hash recomputed)",
    )


def verify_checkpoints(
    checkpoints: Sequence[Mapping[str, Any]],
    records: Sequence[Mapping[str, Any]],
    jwk: Mapping[str, Any],
    flagged: set[int],
) -> list[Finding]:
    """Each checkpoint's signature, and that the chain still holds what it signed."""
    findings: list[Finding] = []
    key = public_key_of_jwk(jwk)
    by_sequence = {r.get("sequence"): r for r in records}
    last = max((s for s in by_sequence if isinstance(s, int)), default=0)
    reported_tail = last
    for checkpoint in checkpoints:
        name = str(checkpoint.get("id"))
        sequence = checkpoint.get("sequence")
        head_hash = checkpoint.get("head_hash")
        if not isinstance(sequence, int) or not isinstance(head_hash, str):
            findings.append(Finding(MALFORMED, None, "no sequence or head hash", name))
            continue
        if checkpoint.get("key_id") != jwk.get("kid"):
            findings.append(Finding(UNKNOWN_KEY, sequence, "signed with a key not published", name))
            continue
        try:
            issued_at = _moment(checkpoint.get("issued_at"))
            valid = signature_valid(
                key,
                sequence=sequence,
                head_hash=head_hash,
                issued_at=issued_at,
                signature=str(checkpoint.get("signature")),
            )
        except (TypeError, ValueError):
            valid = False
        if not valid:
            findings.append(Finding(BAD_SIGNATURE, sequence, "its signature does not verify", name))
            continue
        if sequence == 0:
            continue
        if sequence > reported_tail:
            findings += _removed(
                reported_tail + 1, sequence, f"checkpoint {name} signed a head at {sequence}"
            )
            reported_tail = sequence
            continue
        record = by_sequence.get(sequence)
        if record is None or sequence in flagged:
            continue  # already named
        if record.get("hash") != head_hash:
            findings.append(
                Finding(
                    REWRITTEN,
                    sequence,
                    f"checkpoint {name} signed hash {head_hash[:16]}… here, the record now has "
                    f"{str(record.get('hash'))[:16]}…: the chain up to it was rewritten",
                    name,
                )
            )
    return findings


def _page(
    client: httpx.Client, path: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    params: dict[str, Any] = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    answer = client.get(path, params=params)
    answer.raise_for_status()
    page = answer.json()
    return page["items"], page.get("next_cursor")


def _pages(client: httpx.Client, path: str, limit: int) -> Iterator[list[dict[str, Any]]]:
    """Every page in order; the next one is asked for while the caller checks this one."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(_page, client, path, limit, None)
        while True:
            items, cursor = pending.result()
            if cursor:
                pending = pool.submit(_page, client, path, limit, cursor)
            yield items
            if not cursor:
                return


def verify_ledger(
    source: str | httpx.Client, *, prefix: str = "/funding", key_id: str | None = None
) -> Report:
    """Download the public ledger from a base URL (or an httpx client) and verify it.

    `key_id`: the `kid` you expect (pinned from an earlier run or the office's announcement);
    a ledger published under another key is a finding, whatever its signatures say."""
    if isinstance(source, str):
        with httpx.Client(base_url=source.rstrip("/"), timeout=60.0) as client:
            return verify_ledger(client, prefix=prefix, key_id=key_id)
    base = prefix.rstrip("/") + LEDGER
    key_answer = source.get(f"{base}/key")
    key_answer.raise_for_status()
    jwk = key_answer.json()
    head_answer = source.get(f"{base}/head")
    head_answer.raise_for_status()
    head = head_answer.json()
    records: list[dict[str, Any]] = []
    computed: list[str | None] = []
    for page in _pages(source, f"{base}/records", RECORD_PAGE):
        records += page
        computed += [recomputed_hash(record) for record in page]  # while the next page comes
    checkpoints = [
        c for page in _pages(source, f"{base}/checkpoints", CHECKPOINT_PAGE) for c in page
    ]
    findings, flagged = verify_chain(records, computed)
    if key_id is not None and jwk.get("kid") != key_id:
        findings.append(
            Finding(UNKNOWN_KEY, None, f"the published key is {jwk.get('kid')!r}, not {key_id!r}")
        )
    findings += verify_checkpoints(checkpoints, records, jwk, flagged)
    findings += _head_findings(head, records, flagged)
    return Report(
        records=len(records),
        checkpoints=len(checkpoints),
        head_sequence=int(head.get("sequence", 0)),
        head_hash=str(head.get("head_hash")),
        key_id=jwk.get("kid"),
        findings=findings,
    )


def _head_findings(
    head: Mapping[str, Any], records: Sequence[Mapping[str, Any]], flagged: set[int]
) -> list[Finding]:
    """The head the service states against the last record."""
    last = records[-1] if records else None
    last_sequence = last["sequence"] if last is not None else 0
    sequence = head.get("sequence")
    if not isinstance(sequence, int):
        return [Finding(MALFORMED, None, "the head has no sequence")]
    if sequence > last_sequence:
        return _removed(last_sequence + 1, sequence, f"the head is at {sequence}")
    expected = last["hash"] if last is not None else GENESIS
    if sequence == last_sequence and head.get("head_hash") != expected:
        if last_sequence in flagged:
            return []
        return [Finding(REWRITTEN, last_sequence, "the head's hash is not the last record's")]
    if sequence < last_sequence:
        return [Finding(MALFORMED, sequence, f"the head is at {sequence}, records go on")]
    return []


def main(argv: list[str] | None = None, *, client: httpx.Client | None = None) -> int:
    """Command-line entry point: print the verdict; exit 0, 1 (findings) or 2 (unreadable).

    `client` (an httpx client, e.g. a TestClient) reads instead of a new one for the URL."""
    parser = argparse.ArgumentParser(
        prog="python -m services.funding.verify",
        description="Verify the funding service's public ledger (hash chain and checkpoints).",
    )
    parser.add_argument("url", help="The gateway's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--prefix",
        default="/funding",
        help="Path of the funding service under the URL (default /funding; '' for the "
        "service itself).",
    )
    parser.add_argument(
        "--key-id",
        help="The checkpoint key's kid you expect (pin it): another published key is a finding.",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = verify_ledger(
            client if client is not None else args.url, prefix=args.prefix, key_id=args.key_id
        )
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        print(f"cannot read the public ledger at {args.url}: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(
        f"public ledger: {report.records} records, head {report.head_sequence} "
        f"{report.head_hash[:16]}…, {report.checkpoints} checkpoints (key {report.key_id}), "
        f"read and checked in {took:.2f} s"
    )
    for finding in report.findings:
        print(f"FOUND {finding}")
    if report.ok:
        print("verified: every record is intact and in place; every checkpoint holds")
        return 0
    print(f"{len(report.findings)} finding(s)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
