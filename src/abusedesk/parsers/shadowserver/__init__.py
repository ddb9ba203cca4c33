"""Shadowserver CSV reports: a pinned table of report types and a table-driven parser.

``parse_csv`` turns one (unzipped) report into events; ``builtin_report_types`` is the table
generated from Shadowserver's published schema (see ``generate`` and docs/shadowserver.md).
"""

from abusedesk.parsers.shadowserver.mapping import ReportType, ReportTypes, builtin_report_types
from abusedesk.parsers.shadowserver.parser import MAX_CSV_BYTES, MAX_ROWS, REPORTER, parse_csv

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_ROWS",
    "REPORTER",
    "ReportType",
    "ReportTypes",
    "builtin_report_types",
    "parse_csv",
]
