"""The rules processing applies per event: what is resolved, when, under which policy version."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

from abusedesk.domain.complaints_events import event_moment, resolution_key
from abusedesk.domain.events import Event, TimeSource
from abusedesk.services.intake import size_limit_text
from abusedesk.services.processing import policies_by_moment

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _event(**fields: object) -> Event:
    base: dict[str, object] = {"category": "messaging", "type": "spam", "event_time": T0,
                               "time_source": TimeSource.REPORT}
    return Event(**{**base, **fields})  # type: ignore[arg-type]


def test_resolution_key_prefers_ip_then_url_host_then_domain_then_email() -> None:
    everything = _event(ip=ip_address("2001:db8::7"), url="https://Shop.Example.com/x",
                        domain="other.example", email="a@mail.example")
    assert resolution_key(everything) == "2001:db8::7"
    assert resolution_key(_event(url="https://Shop.Example.com./login?x=1",
                                 domain="other.example")) == "shop.example.com"
    assert resolution_key(_event(url="not a url", domain="Other.Example.")) == "other.example"
    assert resolution_key(_event(email="Spammer@Mail.Example")) == "spammer@mail.example"
    assert resolution_key(_event()) is None


def test_event_without_time_is_judged_at_receipt() -> None:
    received = T0 + timedelta(days=3)
    assert event_moment(_event(), received) == (T0, TimeSource.REPORT)
    assert event_moment(_event(event_time=None), received) == (received, TimeSource.RECEIVED)


@dataclass(frozen=True)
class _Version:
    id: int
    effective: datetime


def test_policies_by_moment_agrees_with_asking_each_time_and_asks_less() -> None:
    versions = [_Version(1, T0), _Version(2, T0 + timedelta(days=40)),
                _Version(3, T0 + timedelta(days=41)), _Version(4, T0 + timedelta(days=300))]
    calls: list[datetime] = []

    def in_force(moment: datetime) -> _Version:
        calls.append(moment)
        binding = [v for v in versions if v.effective <= moment]
        return binding[-1] if binding else versions[0]

    rng = random.Random(7)
    moments = [T0 + timedelta(days=rng.uniform(-30, 400)) for _ in range(5000)]
    found = policies_by_moment(moments, in_force)  # type: ignore[arg-type]
    calls_made = len(calls)
    assert {m: in_force(m).id for m in moments} == {m: v.id for m, v in found.items()}
    assert calls_made < 200  # four versions: a few bisections, not one call per moment


def test_policies_by_moment_with_one_version_asks_twice() -> None:
    calls: list[datetime] = []

    def in_force(moment: datetime) -> _Version:
        calls.append(moment)
        return _Version(1, T0)

    moments = [T0 + timedelta(minutes=i) for i in range(10_000)]
    found = policies_by_moment(moments, in_force)  # type: ignore[arg-type]
    assert len(found) == 10_000 and len(calls) == 2
    assert policies_by_moment([], in_force) == {}  # type: ignore[arg-type]


def test_size_limits_are_written_for_people() -> None:
    assert size_limit_text(25 * 1024 * 1024) == "25 MB"
    assert size_limit_text(4096) == "4 KB"
    assert size_limit_text(1500) == "1500 bytes"
