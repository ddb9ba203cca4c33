"""Benchmark: content scanning throughput (MB/s) over a generated, realistic mixed corpus.

The corpus is made here, from a fixed seed, and is all invented: web server access logs,
CSV order exports keyed by 16-digit ids and epoch times, a leaked customer table with card
numbers, e-mail addresses and phones, a payout CSV with IBANs, minified JavaScript, JSON
lines of UUIDs, zip archives of such files, and mail with a zipped attachment. It is
scanned three ways, in one process: PII detectors only, YARA signatures only (the bundled
rules), and both, as ``abusedesk scan`` runs them. ClamAV is left out: its figure is
clamscan's own, and loading a database alone takes longer than this whole benchmark.

Prints bytes scanned, seconds and MB/s per way, findings by detector and how many were
expected. No peer is run: no installable open-source scanner looks for the same PII with
the same checks (ClamAV's structured-data detection finds only US card numbers and SSNs,
and is not in Debian's default build), so no ratio is printed.

    .venv/bin/python bench/scan.py [--megabytes 12]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

from abusedesk.scanning.findings import FindingKind  # noqa: E402
from abusedesk.scanning.scan import Scanner  # noqa: E402
from abusedesk.scanning.yara_rules import YaraEngine  # noqa: E402
from tests.support.archives import zipped  # noqa: E402

SEED = 20260302


def _luhn_completed(prefix: str) -> str:
    """``prefix`` and the one check digit that makes it pass Luhn."""
    for digit in "0123456789":
        candidate = prefix + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit in ten completes Luhn")


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    number = int(bban + "131400")  # D=13, E=14, check digits 00
    return f"DE{98 - number % 97:02d}{bban}"


def _access_log(rng: random.Random, lines: int) -> bytes:
    rows = []
    for _ in range(lines):
        ip = f"203.0.113.{rng.randrange(1, 255)}"
        order = rng.randrange(10**15, 10**16)
        epoch = 1772445601 + rng.randrange(86400)
        rows.append(f'{ip} - - [02/Mar/2026:10:{rng.randrange(60):02d}:{rng.randrange(60):02d} '
                    f'+0000] "GET /api/orders/{order}?ts={epoch} HTTP/1.1" 200 '
                    f'{rng.randrange(100, 90000)} "https://shop.example.com/" "Mozilla/5.0 '
                    f'(X11; Linux x86_64) Chrome/121.0.6167.184" request_id={order + 7}')
    return ("\n".join(rows) + "\n").encode()


def _orders_csv(rng: random.Random, lines: int) -> bytes:
    rows = ["order_id,created,customer_ref,amount,currency"]
    for number in range(lines):
        rows.append(f"{rng.randrange(10**15, 10**16)},{1772358764 + number},"
                    f"CUST-{number:06d},{rng.randrange(100, 99999) / 100:.2f},EUR")
    return ("\n".join(rows) + "\n").encode()


def _leaked_customers(rng: random.Random, lines: int) -> bytes:
    rows = ["id,name,email,card_number,expiry,phone"]
    for number in range(lines):
        card = _luhn_completed("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        rows.append(f"{number},Person {number},person{number}@example.com,{card},04/29,"
                    f"+44 20 7946 {rng.randrange(10000):04d}")
    return ("\n".join(rows) + "\n").encode()


def _payouts(rng: random.Random, lines: int) -> bytes:
    rows = ["payee;iban;amount"]
    rows += [f"Payee {n};{_iban(rng)};{rng.randrange(100, 9999)}.00" for n in range(lines)]
    return ("\n".join(rows) + "\n").encode()


def _minified_js(rng: random.Random, size: int) -> bytes:
    parts = []
    while sum(map(len, parts)) < size:
        parts.append(f"var a{len(parts)}={rng.randrange(10**12)},b=\"{rng.getrandbits(64):x}\";"
                     f"function f{len(parts)}(e){{return e.ts+{rng.randrange(10**9)}}}")
    return "".join(parts).encode()


def _events(rng: random.Random, lines: int) -> bytes:
    return "".join(
        f'{{"id": "{rng.getrandbits(128):032x}", "ts": {1772445601 + n}, '
        f'"ts_ms": {1772445601000 + n}, "span": "{rng.getrandbits(64):016x}"}}\n'
        for n in range(lines)).encode()


def _mail(attachment: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "exports@shop.example.com"
    message["To"] = "finance@example.net"
    message["Subject"] = "Nightly export"
    message["Message-ID"] = "<export-20260302@shop.example.com>"
    message.set_content("Tonight's export is attached. Questions: call +44 20 7946 0101.\n")
    message.add_attachment(attachment, maintype="application", subtype="zip",
                           filename="export.zip")
    return message.as_bytes()


def corpus(megabytes: float) -> tuple[list[tuple[str, bytes]], Counter[str]]:
    """The inputs, about ``megabytes`` MB in all, and the findings a scan must make."""
    rng = random.Random(SEED)
    inputs: list[tuple[str, bytes]] = []
    expected: Counter[str] = Counter()
    round_number = 0
    while sum(len(data) for _, data in inputs) < megabytes * 1_000_000:
        round_number += 1
        leaked = _leaked_customers(rng, 200)
        payouts = _payouts(rng, 100)
        inputs += [
            (f"logs/access-{round_number}.log", _access_log(rng, 3000)),
            (f"exports/orders-{round_number}.csv", _orders_csv(rng, 4000)),
            (f"site/app-{round_number}.min.js", _minified_js(rng, 150_000)),
            (f"telemetry/events-{round_number}.jsonl", _events(rng, 2000)),
            (f"dumps/customers-{round_number}.csv", leaked),
            (f"finance/payouts-{round_number}.csv", payouts),
            (f"backups/export-{round_number}.zip",
             zipped({"orders.csv": _orders_csv(rng, 2000), "customers.csv": leaked})),
            (f"mail/export-{round_number}.eml", _mail(zipped({"payouts.csv": payouts}))),
        ]
        expected.update({"credit-card": 400, "email": 400, "phone": 401, "iban": 200})
    return inputs, expected


def _timed(scan: Callable[[str, bytes], object],
           inputs: list[tuple[str, bytes]]) -> tuple[float, list[object]]:
    start = time.perf_counter()
    results = [scan(name, data) for name, data in inputs]
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=12.0,
                        help="corpus size in MB (default 12)")
    args = parser.parse_args()
    inputs, expected = corpus(args.megabytes)
    size = sum(len(data) for _, data in inputs)
    yara = YaraEngine()
    ways = {
        "PII only": Scanner(),
        "YARA only": Scanner(engines=(yara,), pii=False),
        "PII + YARA": Scanner(engines=(yara,)),
    }
    print(f"corpus: {len(inputs)} inputs, {size / 1e6:.1f} MB (text, CSV, JSON lines, "
          f"minified JS, zip, mail), seed {SEED}")
    found: Counter[str] = Counter()
    for way, scanner in ways.items():
        seconds, results = _timed(scanner.scan, inputs)
        print(f"{way:<11} {seconds:6.2f} s  {size / 1e6 / seconds:6.2f} MB/s")
        if way == "PII + YARA":
            found = Counter(finding.detector for result in results
                            for finding in getattr(result, "findings", ())
                            if finding.kind is FindingKind.PRIVATE_DATA)
    print("findings:  " + ", ".join(f"{name} {found[name]} (expected {count})"
                                    for name, count in sorted(expected.items())))
    unexpected = sorted(set(found) - set(expected))
    print(f"unexpected detectors: {', '.join(unexpected) if unexpected else 'none'}")
    print("peer: none run (no installable open-source scanner makes the same PII checks; "
          "see the docstring), so no ratio")


if __name__ == "__main__":
    main()
