"""Benchmark (b): e-mail abuse reports parsed per second over the corpus mix.

Reads every mail (``*.eml``) of the shared corpus, then parses the whole mix repeatedly with
``abusedesk.parsers.parse_complaint`` (detection, format parser, classification against the
built-in policy) and, as the floor any parser pays, with the standard library's
``BytesParser(policy=default)`` alone. Prints reports per second for both, their ratio, and
the rate per detected format.

    python bench/parse_mail.py [--seconds 10] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import time
from collections import defaultdict
from datetime import UTC, datetime
from email import policy as email_policy
from pathlib import Path

from abusedesk.domain.errors import ParseError
from abusedesk.parsers import parse_complaint
from abusedesk.policies.loader import load_builtin_policy

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def load_mails(corpus: Path) -> list[tuple[str, bytes]]:
    return [(str(p.relative_to(corpus)), p.read_bytes()) for p in sorted(corpus.rglob("*.eml"))]


def rate(function, mails: list[tuple[str, bytes]], seconds: float) -> tuple[float, int]:
    """Reports per second of ``function`` over whole passes of the mix."""
    done = 0
    start = time.perf_counter()
    while True:
        for _name, raw in mails:
            function(raw)
        done += len(mails)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time per measurement")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        raise SystemExit(f"corpus not found at {corpus}")
    mails = load_mails(corpus)
    policy = load_builtin_policy()

    def abusedesk_parse(raw: bytes) -> None:
        with contextlib.suppress(ParseError):
            parse_complaint(raw, received_at=RECEIVED_AT, policy=policy)

    stdlib = email.parser.BytesParser(policy=email_policy.default)

    def stdlib_parse(raw: bytes) -> None:
        stdlib.parsebytes(raw)

    formats: dict[str, list[bytes]] = defaultdict(list)
    for _name, raw in mails:
        try:
            formats[parse_complaint(raw, received_at=RECEIVED_AT).format].append(raw)
        except ParseError:
            formats["quarantined"].append(raw)

    ours, count = rate(abusedesk_parse, mails, args.seconds)
    floor, _ = rate(stdlib_parse, mails, args.seconds / 2)
    size = sum(len(raw) for _name, raw in mails) / len(mails)
    print(f"corpus mix: {len(mails)} mails, {size / 1024:.1f} KiB on average, {count} parsed")
    print(f"abusedesk parse_complaint: {ours:10.1f} reports/s")
    print(f"stdlib BytesParser only:   {floor:10.1f} reports/s")
    print(f"ratio abusedesk / stdlib parse alone: {ours / floor:.2f}")
    for name, raws in sorted(formats.items()):
        per, _ = rate(abusedesk_parse, [("", r) for r in raws], max(args.seconds / 10, 0.5))
        print(f"  {name:16s} {len(raws):3d} mails {per:10.1f} reports/s")


if __name__ == "__main__":
    main()
