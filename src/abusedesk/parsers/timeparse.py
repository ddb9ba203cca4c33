"""Reading the times that complaints write, in the shapes real senders use.

Every function returns a timezone-aware UTC datetime or ``None``; none raises on bad input.
RFC 5322 dates are read with the zone names that senders still write (``JST``, ``CEST``,
``UT``, German ``MEZ``/``MESZ``, ``UTC+3``) although the RFC retired them; ISO 8601 with or
without ``T``, fraction and zone, also with ``/`` between the date's parts (``2024/03/05``, as
Japanese senders write); day-first dates with dots (``05.03.2024 um 03:14:15 Uhr``, German and
Russian usage; dots make the order unambiguous, slashes do not and are not read day-first);
C ``asctime`` (``Tue Mar  5 01:02:03 2024``, IDS and netscan logs); syslog lines (no year, no
zone), whose year and zone come from a reference time, normally the complaint's Date header.
A time without a zone is taken as UTC unless a zone is given.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz

#: Zone abbreviations seen in complaint dates, with their UTC offsets in hours. Ambiguous
#: names (IST, BST) take the reading that the senders of abuse mail mean most often.
ZONE_OFFSETS: dict[str, float] = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "UTZ": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "MET": 1,
    "MEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "MEZ": 1,
    "MESZ": 2,
    "IST": 5.5,
    "SGT": 8,
    "HKT": 8,
    "AWST": 8,
    "CST-CN": 8,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "AST": -4,
    "ADT": -3,
    "BRT": -3,
    "ART": -3,
}

_MONTHS = {
    name: index
    for index, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

_ISO = re.compile(
    r"(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})[T ]+(?P<h>\d{1,2})"
    # "05:00:00", and "05-00-00" as some ACNS senders write it; a comma fraction ("24,110")
    # is log4j's milliseconds unless the next CSV field follows ("24,110.93.230.101")
    r"(?P<sep>:|-(?=\d{2}-\d{2}))(?P<mi>\d{2})(?:(?P=sep)(?P<s>\d{2})(?:(?:\.|,(?![\d]*[.,]\d))(?P<f>\d{1,9}))?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2}|[+-]\d{2}\b|\(?[A-Za-z]{1,5}\)?(?![A-Za-z]))?",
)
_ISO_DATE = re.compile(r"^\s*(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})\s*$")
_EPOCH = re.compile(r"^\s*(\d{9,10})(?:\.\d+)?\s*$")
# "21 Sep 2015 11:00AM PDT", "Mon, 21 Sep 2015 11:00 AM PDT", "04 Sep 2015 13:19:53 GMT"
_DMY_TEXT = re.compile(
    r"(?P<d>\d{1,2})[ -](?P<mo>[A-Za-z]{3})[a-z]*[ -](?P<y>\d{4})[ ,]+"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?"
    r"\s*(?P<z>[+-]\d{4}|\(?[A-Za-z]{1,5}\)?(?![A-Za-z]))?"
)
# Apache/nginx access logs: "31/Jan/2014:07:19:02 +0100"
_CLF = re.compile(
    r"(?P<d>\d{1,2})/(?P<mo>[A-Za-z]{3})/(?P<y>\d{4}):(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"\s*(?P<z>[+-]\d{4})?"
)
_ZONE_TEXT = (
    r"(?P<z>[+-]\d{2}:?\d{2}|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|\(?[A-Za-z]{1,5}\)?(?![A-Za-z]))?"
)
# day-first with dots: "05.03.2024 03:14", "05.03.2024 um 03:14:15 Uhr (MEZ)"
_DOTTED = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})[,\s]+(?:um\s+|в\s+)?"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\s*Uhr)?\s*" + _ZONE_TEXT
)
# C asctime: "Tue Mar  5 01:02:03 2024", optionally followed by a zone
_ASCTIME = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(?P<mo>[A-Z][a-z]{2})\s+(?P<d>\d{1,2})\s+"
    r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\s+(?P<y>\d{4})\b\s*" + _ZONE_TEXT
)
# syslog: "Jan 31 07:19:02" (no year, no zone)
_SYSLOG = re.compile(
    r"\b(?P<mo>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(?P<d>\d{1,2})\s+"
    r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})\b"
)


def _zone(text: str | None) -> tzinfo | None:
    """The tzinfo for an offset or zone name, or None when it is not understood."""
    if not text:
        return None
    text = text.strip("() ").upper()
    offset_name = re.fullmatch(r"(?:UTC|GMT)([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if offset_name:
        text = (
            f"{offset_name.group(1)}{int(offset_name.group(2)):02d}{offset_name.group(3) or '00'}"
        )
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", text)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if match.group(1) == "-" else offset)
    if text in ZONE_OFFSETS:
        return timezone(timedelta(hours=ZONE_OFFSETS[text]))
    return None


def _build(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    micro: int,
    zone: tzinfo | None,
    default_zone: tzinfo,
) -> datetime | None:
    try:
        moment = datetime(
            year, month, day, hour, minute, second, micro, tzinfo=zone or default_zone
        )
    except (ValueError, OverflowError):
        return None
    if not 1990 <= moment.year <= 2100:
        return None  # outside any plausible complaint; likely a mis-read number
    return moment.astimezone(UTC)


def parse_mail_date(value: str | None, *, default_zone: tzinfo = UTC) -> datetime | None:
    """An RFC 5322 date as mail headers and ARF fields write it, tolerating old zone names."""
    if not value:
        return None
    text = " ".join(str(value).split())
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text) or text  # "(EST)" comments
    parts = parsedate_tz(text)
    if parts is not None and parts[0] >= 1900:
        year, month, day, hour, minute, second = parts[:6]
        return _build(
            year, month, day, hour, minute, second, 0, _zone_of_parsed(text, parts[9]), default_zone
        )
    return parse_any(value, default_zone=default_zone)


def _zone_of_parsed(text: str, offset: int | None) -> tzinfo | None:
    """The zone of a date that ``parsedate_tz`` read: it reads unknown names as +0000."""
    last = text.rsplit(" ", 1)[-1] if " " in text else ""
    if last.isalpha():
        return _zone(last)  # None (the default zone) when the name is unknown
    if offset is None:
        return None
    return timezone(timedelta(seconds=offset))


def parse_iso(value: str | None, *, default_zone: tzinfo = UTC) -> datetime | None:
    """ISO 8601 (``2015-07-23T01:58:17+00:00``, ``2015-09-14 07:49:54 CEST``, a bare date)."""
    if not value:
        return None
    text = str(value).strip()
    match = _ISO.search(text)
    if match:
        fraction = (match.group("f") or "0")[:6].ljust(6, "0")
        return _build(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"] or 0),
            int(fraction),
            _zone(match["z"]),
            default_zone,
        )
    match = _ISO_DATE.match(text)
    if match:
        return _build(
            int(match["y"]), int(match["mo"]), int(match["d"]), 0, 0, 0, 0, None, default_zone
        )
    return None


def parse_epoch(value: str | int | float | None) -> datetime | None:
    """Seconds since 1970 (Spamhaus CERT ``lastseen``)."""
    if value is None or isinstance(value, bool):
        return None
    match = _EPOCH.match(str(value))
    if not match:
        return None
    try:
        moment = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if 1990 <= moment.year <= 2100 else None


def parse_any(
    value: str | None,
    *,
    default_zone: tzinfo = UTC,
    reference: datetime | None = None,
    zone: tzinfo | None = None,
) -> datetime | None:
    """The first time found in ``value`` in any shape this module knows.

    ``reference`` (the complaint's Date) supplies the year and zone of syslog times and is
    the point they must not lie after by more than a day: a December log line in a January
    mail belongs to the year before.
    """
    if not value:
        return None
    text = str(value)
    for reader in (_read_iso, _read_dmy_text, _read_clf, _read_dotted, _read_asctime):
        moment = reader(text, default_zone)
        if moment is not None:
            return moment
    parsed = _mail_date_only(text, default_zone)
    if parsed is not None:
        return parsed
    if reference is not None:
        return parse_syslog(text, reference=reference, zone=zone)
    return None


def _read_iso(text: str, default_zone: tzinfo) -> datetime | None:
    return parse_iso(text, default_zone=default_zone) if _ISO.search(text) else None


def _read_dmy_text(text: str, default_zone: tzinfo) -> datetime | None:
    match = _DMY_TEXT.search(text)
    if not match or match["mo"].lower()[:3] not in _MONTHS:
        return None
    hour = int(match["h"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    return _build(
        int(match["y"]),
        _MONTHS[match["mo"].lower()[:3]],
        int(match["d"]),
        hour,
        int(match["mi"]),
        int(match["s"] or 0),
        0,
        _zone(match["z"]),
        default_zone,
    )


def _read_clf(text: str, default_zone: tzinfo) -> datetime | None:
    match = _CLF.search(text)
    if not match or match["mo"].lower() not in _MONTHS:
        return None
    return _build(
        int(match["y"]),
        _MONTHS[match["mo"].lower()],
        int(match["d"]),
        int(match["h"]),
        int(match["mi"]),
        int(match["s"]),
        0,
        _zone(match["z"]),
        default_zone,
    )


def _read_dotted(text: str, default_zone: tzinfo) -> datetime | None:
    match = _DOTTED.search(text)
    return _from_match(match, int(match["mo"]), default_zone) if match else None


def _read_asctime(text: str, default_zone: tzinfo) -> datetime | None:
    match = _ASCTIME.search(text)
    if not match or match["mo"].lower() not in _MONTHS:
        return None
    return _from_match(match, _MONTHS[match["mo"].lower()], default_zone)


def _from_match(match: re.Match[str], month: int, default_zone: tzinfo) -> datetime | None:
    return _build(
        int(match["y"]),
        month,
        int(match["d"]),
        int(match["h"]),
        int(match["mi"]),
        int(match["s"] or 0),
        0,
        _zone(match["z"]),
        default_zone,
    )


def _mail_date_only(text: str, default_zone: tzinfo) -> datetime | None:
    if not re.search(r"\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d{2}", text):
        return None
    match = re.search(
        r"(?:[A-Za-z]{3},?\s+)?\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d{2}(?::\d{2})?"
        r"(?:\s+[+-]\d{4}|\s+[A-Za-z]{1,5}\b)?",
        text,
    )
    if match is None:
        return None
    found = match.group(0)
    parts = parsedate_tz(found)
    if parts is None:
        return None
    return _build(*parts[:6], 0, _zone_of_parsed(found, parts[9]), default_zone)


def parse_syslog(text: str, *, reference: datetime, zone: tzinfo | None = None) -> datetime | None:
    """A syslog time (``Jan 31 07:19:02``) in ``zone``, with the year of ``reference``.

    fail2ban quotes log lines without year or zone; the mail's Date header gives both (the
    sending host writes its logs and its mail in the same zone).
    """
    match = _SYSLOG.search(text)
    if not match or reference.tzinfo is None:
        return None
    zone = zone or reference.tzinfo
    local_reference = reference.astimezone(zone)
    month = _MONTHS[match["mo"].lower()]
    for year in (local_reference.year, local_reference.year - 1):
        moment = _build(
            year,
            month,
            int(match["d"]),
            int(match["h"]),
            int(match["mi"]),
            int(match["s"]),
            0,
            zone,
            zone,
        )
        if moment is not None and moment <= reference + timedelta(days=1):
            return moment
    return None


def header_zone(value: str | None) -> tzinfo | None:
    """The zone of a Date header, for reading zone-less times that the same mail writes."""
    if not value:
        return None
    parts = parsedate_tz(" ".join(str(value).split()))
    if parts is not None and parts[9] is not None:
        return timezone(timedelta(seconds=parts[9]))
    return _zone(str(value).strip().rsplit(" ", 1)[-1])
