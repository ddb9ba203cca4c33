"""Parsing throughput: Shadowserver CSV side by side with IntelMQ 3.5, then e-mail reports.

(a) Shadowserver CSV rows per second through parse, normalise and classify. The input is
the historical Shadowserver samples of the corpus, each file's rows repeated until the whole
set holds at least ``--rows`` rows (100,000 by default). IntelMQ 3.5's Shadowserver parser
runs on the same files in the same run, in a virtual environment of its own (created under
the benchmark's cache directory with ``pip install intelmq==3.5.*`` unless present): a
subprocess drives the bot's ``parse`` and ``parse_line`` methods directly, without pipeline or
Redis, so what is timed on both sides is parsing. Samples IntelMQ cannot parse with
Shadowserver's current schema are left out of both sides and listed. Each side runs
``--repeat`` times; the best run counts (the machine may be shared). Target: 10x IntelMQ.

(b) E-mail reports per second over the corpus mix: ``bench/parse_mail.py``, run after (a)
when it exists.

    python bench/parse.py [--rows N] [--repeat R] [--cache DIR] [--corpus DIR] [--no-intelmq]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"
INTELMQ_REQUIREMENT = "intelmq==3.5.*"
TARGET_RATIO = 10.0

# Runs inside IntelMQ's virtual environment. It reads a JSON spec on stdin and writes JSON.
WORKER = r'''
import base64, json, os, sys, time
import intelmq
from intelmq.lib.bot import BotLibSettings
from intelmq.lib.message import MessageFactory
from intelmq.bots.parsers.shadowserver.parser import ShadowserverParserBot

def count(bot, report):
    rows = events = failed = 0
    for row in bot.parse(report):
        rows += 1
        try:
            events += sum(1 for _ in bot.parse_line(row, report))
        except Exception:
            failed += 1
    return rows, events, failed

def main():
    spec = json.load(sys.stdin)
    bot = ShadowserverParserBot("shadowserver-parser-bench",
                                settings=BotLibSettings | {"logging_level": "ERROR"})
    reports = []
    for path in spec["files"]:
        with open(path, "rb") as handle:
            raw = base64.b64encode(handle.read()).decode("ascii")
        reports.append(MessageFactory.from_dict(
            {"__type": "Report", "raw": raw, "extra.file_name": os.path.basename(path)},
            harmonization=bot.harmonization, default_type="Report"))
    if spec.get("probe"):
        result = {}
        for path, report in zip(spec["files"], reports):
            try:
                rows, events, failed = count(bot, report)
                result[path] = {"rows": rows, "events": events, "failed": failed}
            except Exception as exc:
                result[path] = {"error": str(exc)}
        json.dump(result, sys.stdout)
        return
    runs = []
    for _ in range(spec["repeat"]):
        totals = [0, 0, 0]
        start = time.perf_counter()
        for report in reports:
            for index, value in enumerate(count(bot, report)):
                totals[index] += value
        seconds = time.perf_counter() - start
        runs.append({"seconds": seconds, "rows": totals[0], "events": totals[1],
                     "failed": totals[2]})
    json.dump({"version": intelmq.__version__, "runs": runs}, sys.stdout)

main()
'''


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "abusedesk-bench"


# -- IntelMQ's environment ---------------------------------------------------------------

def venv_python(venv: Path) -> Path:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return venv / "bin" / "python"


def intelmq_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run([str(python), "-c", "import intelmq; print(intelmq.__version__)"],
                           capture_output=True, text=True)
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_intelmq(cache: Path) -> Path:
    """IntelMQ 3.5 in a virtual environment of its own; created on first use."""
    venv = cache / "intelmq-3.5-venv"
    python = venv_python(venv)
    version = intelmq_version(python)
    if version is None or not version.startswith("3.5"):
        print(f"creating IntelMQ environment in {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        python = venv_python(venv)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", INTELMQ_REQUIREMENT],
                       check=True)
        version = intelmq_version(python)
        if version is None:
            raise SystemExit("IntelMQ did not install; see pip's output above")
    return python


def intelmq_root(cache: Path, corpus: Path) -> Path:
    """An IntelMQ root whose state holds Shadowserver's schema (what its parser reads)."""
    root = cache / "intelmq-root"
    state = root / "var" / "lib" / "bots"
    state.mkdir(parents=True, exist_ok=True)
    (root / "etc").mkdir(exist_ok=True)
    shutil.copyfile(corpus / "shadowserver-schema" / "intelmq.json",
                    state / "shadowserver-schema.json")
    return root


def run_worker(python: Path, root: Path, spec: dict) -> dict:
    env = dict(os.environ, INTELMQ_ROOT_DIR=str(root))
    done = subprocess.run([str(python), "-c", WORKER], input=json.dumps(spec), env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"IntelMQ worker failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


# -- the input ---------------------------------------------------------------------------

def sample_files(corpus: Path) -> list[Path]:
    folder = corpus / "intelmq-shadowserver-historical"
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise SystemExit(f"no Shadowserver samples in {folder}; pass --corpus")
    return files


def data_rows(data: bytes) -> int:
    import csv
    import io

    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return sum(1 for row in reader if row) - 1


def build_input(files: list[Path], target_rows: int, into: Path) -> tuple[list[Path], int]:
    """Each sample with its rows repeated so that all of them hold at least ``target_rows``."""
    samples = [(path, path.read_bytes()) for path in files]
    base = sum(data_rows(data) for _, data in samples)
    factor = max(1, math.ceil(target_rows / base))
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    written: list[Path] = []
    for path, data in samples:
        header, _, body = data.partition(b"\n")
        if not body.endswith(b"\n"):
            body += b"\n"
        # Shadowserver's own naming, so both parsers recognise the report by its file name.
        target = into / f"2024-01-01-{path.stem}-bench-asn.csv"
        target.write_bytes(header + b"\n" + body * factor)
        written.append(target)
    return written, base * factor


# -- abusedesk ---------------------------------------------------------------------------

def run_abusedesk(files: list[Path], repeat: int) -> dict:
    sys.path.insert(0, str(PROJECT / "src"))
    from abusedesk.parsers.shadowserver import parse_csv
    from abusedesk.policies.loader import load_builtin_policy

    policy = load_builtin_policy()
    inputs = [(path.name, path.read_bytes()) for path in files]
    received = datetime.now(UTC)
    runs = []
    for _ in range(repeat):
        parsed_all = []
        start = time.perf_counter()
        for name, data in inputs:
            parsed_all.append(parse_csv(data, filename=name, received_at=received,
                                        policy=policy))
        seconds = time.perf_counter() - start
        events = [event for parsed in parsed_all for event in parsed]
        runs.append({
            "seconds": seconds, "events": len(events),
            "mapped": sum(1 for event in events if event.clause_ids),
            "declared": sum(1 for event in events
                            if not event.clause_ids and "not_a_violation" in event.details),
        })
    return {"runs": runs}


def summarise(label: str, rows: int, runs: list[dict]) -> float:
    best = min(run["seconds"] for run in runs)
    median = statistics.median(run["seconds"] for run in runs)
    print(f"  {label:<28} {rows / best:>12,.0f} rows/s best   {rows / median:>12,.0f} median"
          f"   ({len(runs)} runs, best {best:.3f} s)")
    return rows / best


def shadowserver_part(args: argparse.Namespace) -> None:
    corpus, cache = args.corpus.resolve(), args.cache.resolve()
    files = sample_files(corpus)
    excluded: dict[str, str] = {}
    python = root = None
    if not args.no_intelmq:
        python = ensure_intelmq(cache)
        root = intelmq_root(cache, corpus)
        probe = run_worker(python, root, {"files": [str(p) for p in files], "probe": True})
        for path in files:
            result = probe[str(path)]
            if "error" in result:
                excluded[path.name] = result["error"]
            elif result["failed"] or result["events"] != result["rows"]:
                excluded[path.name] = f"{result['failed']} of {result['rows']} rows fail"
    kept = [path for path in files if path.name not in excluded]
    bench_files, rows = build_input(kept, args.rows, cache / "shadowserver-input")
    print(f"(a) Shadowserver CSV: {len(kept)} report types from {corpus.name}/"
          f"intelmq-shadowserver-historical, scaled to {rows:,} rows")
    for name, reason in sorted(excluded.items()):
        print(f"    left out {name}: IntelMQ 3.5 cannot parse it ({reason})")
    ours = run_abusedesk(bench_files, args.repeat)
    if ours["runs"][0]["events"] != rows:
        raise SystemExit(f"abusedesk gave {ours['runs'][0]['events']} events for {rows} rows")
    first = ours["runs"][0]
    unmapped = rows - first["mapped"] - first["declared"]
    print(f"    abusedesk: {rows:,} events: {first['mapped']:,} mapped to policy clauses, "
          f"{first['declared']:,} not a violation (open services, victims), {unmapped:,} unmapped")
    ours_rate = summarise("abusedesk (parse+classify)", rows, ours["runs"])
    if python is None or root is None:
        return
    theirs = run_worker(python, root, {"files": [str(p) for p in bench_files],
                                       "repeat": args.repeat})
    first = theirs["runs"][0]
    if first["rows"] != rows or first["failed"]:
        print(f"    note: IntelMQ read {first['rows']:,} rows, {first['failed']:,} failed")
    theirs_rate = summarise(f"IntelMQ {theirs['version']} parser", rows, theirs["runs"])
    ratio = ours_rate / theirs_rate
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"  ratio abusedesk / IntelMQ: {ratio:.1f}x ({verdict} the {TARGET_RATIO:.0f}x target)")


def mail_part(passthrough: list[str]) -> None:
    script = Path(__file__).with_name("parse_mail.py")
    if not script.exists():
        print("(b) e-mail reports: bench/parse_mail.py is not there yet; skipped")
        return
    print("(b) e-mail reports:", flush=True)
    subprocess.run([sys.executable, str(script), *passthrough], check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="at least this many rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per parser; best counts")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=default_cache(),
                        help="IntelMQ's virtual environment and the scaled input live here")
    parser.add_argument("--no-intelmq", action="store_true", help="time abusedesk only")
    parser.add_argument("--no-mail", action="store_true", help="skip part (b)")
    args, passthrough = parser.parse_known_args(argv)
    shadowserver_part(args)
    if not args.no_mail:
        mail_part(passthrough)


if __name__ == "__main__":
    main()
