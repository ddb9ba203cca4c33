"""The built-in policy against the reference AUP it claims to be.

Expectations are read off the policy's own text (the seed file next to the project, when it
is there), not copied from the YAML: which numbered clauses exist, their titles and wording,
the fixed deadlines, the carriers. The rest checks the abuse team's reading: every report
category is covered, child sexual abuse material is restricted, consent where the policy
speaks of written consent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from abusedesk.domain.events import RSIT_TYPES, XARF_TYPES
from abusedesk.domain.policy import Action, ClauseCategory, DeadlineKind, Policy, Severity
from abusedesk.policies.loader import ALL_XARF_PAIRS, load_builtin_policy, uncovered_report_types

SEED = (Path(__file__).resolve().parents[3] / ".." / "shared" / "seeds"
        / "000_7d03de85bc6323e7.txt")

#: The section headings of the reference AUP and the clause-id prefix each one gets.
SECTIONS = {
    "Notification Responsibilities": "notification",
    "Prohibited Conduct": "conduct",
    "Prohibited Content": "content",
    "Bulk Emailers": "bulk-email",
    "Violations and Enforcement": "enforcement",
    "Inquiries": None,
}


def normalise(text: str) -> str:
    """The seed as plain text: Markdown emphasis and escapes dropped, whitespace collapsed."""
    return " ".join(text.replace("*", "").replace("\\(", "(").replace("\\)", ")").split())


@dataclass(frozen=True)
class SeedClause:
    id: str
    title: str | None  # the bold heading, where the policy gives one
    body: str


@dataclass(frozen=True)
class Seed:
    text: str  # normalised
    clauses: list[SeedClause]
    carriers: list[str]
    version: str
    inquiries_address: str


def read_seed(raw: str) -> Seed:
    """Parse the numbered items of the reference AUP, section by section."""
    lines = [line.strip() for line in raw.splitlines()]
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        if line in SECTIONS:
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line)

    clauses: list[SeedClause] = []
    for line in sections["Notification Responsibilities"]:
        if match := re.match(r"^- (\d)\) (.+)$", line):
            clauses.append(SeedClause(f"notification.{match[1]}", None, normalise(match[2])))

    major = ""
    titled = re.compile(r"^(?:- )?(?:(?P<major>\d)\)|(?P<minor>[a-z])\)) "
                        r"\*\*(?P<title>[^*]+?)\.\*\* (?P<body>.+)$")
    for line in sections["Prohibited Conduct"]:
        if heading := re.match(r"^(?:- )?(\d)\) ", line):
            major = heading[1]
        if match := titled.match(line):
            number = major if match["major"] else major + match["minor"]
            clauses.append(SeedClause(f"conduct.{number}", match["title"],
                                      normalise(match["body"])))

    for line in sections["Prohibited Content"]:
        if match := titled.match(line):
            clauses.append(SeedClause(f"content.{match['major']}", match["title"],
                                      normalise(match["body"])))

    bulk = normalise(" ".join(sections["Bulk Emailers"]))
    clauses.append(SeedClause("bulk-email", None, bulk))
    duties = re.split(r"\((\d)\) ", bulk)
    for number, fragment in zip(duties[1::2], duties[2::2], strict=True):
        fragment = re.sub(r";( and)?$", "", fragment.strip())
        fragment = fragment.split(" 11:11 may")[0].rstrip(".")  # the sentence after (4)
        clauses.append(SeedClause(f"bulk-email.{number}", None, fragment))

    enforcement = normalise(" ".join(sections["Violations and Enforcement"]))
    clauses.append(SeedClause("enforcement", None, enforcement))

    carriers_at = lines.index("CARRIER AUP LINKS")
    carriers = [re.sub(r"\\(.)", r"\1", match[1]) for line in lines[carriers_at:]
                if (match := re.match(r"^\[(.+)\]\(#\)$", line))]
    version = re.search(r"^Version (\S+)$", raw, re.MULTILINE)
    address = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ".join(sections["Inquiries"]))
    assert version is not None and address is not None
    return Seed(normalise(raw), clauses, carriers, version[1], address[0].rstrip("."))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_builtin_policy()


@pytest.fixture(scope="module")
def seed() -> Seed:
    if not SEED.is_file():
        pytest.skip(f"the reference AUP text is not at {SEED}")
    return read_seed(SEED.read_text(encoding="utf-8"))


def seed_clause(seed: Seed, clause_id: str) -> SeedClause:
    return next(c for c in seed.clauses if c.id == clause_id)


# -- the policy's own words ------------------------------------------------------------


def test_the_seed_parser_finds_every_numbered_item(seed: Seed) -> None:
    # Guards the parser below it: 8 + 3 + 7 + 1 + 3 conduct, 9 content, 4 notification,
    # 4 bulk-email duties, plus the bulk-email paragraph and the enforcement paragraph.
    assert len(seed.clauses) == 22 + 9 + 4 + 4 + 2


def test_every_numbered_clause_is_in_the_policy_in_the_seeds_order(seed: Seed,
                                                                   policy: Policy) -> None:
    assert [c.id for c in policy.clauses] == [c.id for c in seed.clauses]


def test_clause_text_is_verbatim(seed: Seed, policy: Policy) -> None:
    for expected in seed.clauses:
        clause = policy.clause(expected.id)
        assert clause.text == expected.body, clause.id
        assert clause.text in seed.text, clause.id


def test_titles_are_the_policys_bold_headings(seed: Seed, policy: Policy) -> None:
    titled = [c for c in seed.clauses if c.title is not None]
    assert len(titled) == 22 + 9
    for expected in titled:
        assert policy.clause(expected.id).title == expected.title


def test_sections_are_the_policys_headings(policy: Policy) -> None:
    for clause in policy.clauses:
        prefix = clause.id.split(".")[0]
        assert SECTIONS[clause.section] == prefix, clause.id


def test_header_matches_the_policy(seed: Seed, policy: Policy) -> None:
    assert policy.version == seed.version
    assert policy.abuse_contact == seed.inquiries_address
    assert policy.title == "Acceptable Use Policy"


def hours_stated(body: str) -> timedelta:
    match = re.search(r"within (\d+) hours", body)
    assert match is not None, body
    return timedelta(hours=int(match[1]))


def test_blacklisting_deadline_is_the_hours_the_policy_states(seed: Seed, policy: Policy) -> None:
    deadline = policy.clause("conduct.3e").deadline
    assert deadline.kind is DeadlineKind.FIXED
    assert deadline.duration == hours_stated(seed_clause(seed, "conduct.3e").body)
    assert deadline.duration == timedelta(hours=48)


def test_opt_in_evidence_deadline_is_the_hours_the_policy_states(seed: Seed,
                                                                  policy: Policy) -> None:
    deadline = policy.clause("bulk-email.1").deadline
    assert deadline.kind is DeadlineKind.FIXED
    assert deadline.duration == hours_stated(seed_clause(seed, "bulk-email.1").body)
    assert deadline.duration == timedelta(hours=24)


def test_every_other_deadline_is_promptly_except_where_none_can_apply(policy: Policy) -> None:
    fixed = {c.id for c in policy.clauses if c.deadline.kind is DeadlineKind.FIXED}
    none = {c.id for c in policy.clauses if c.deadline.kind is DeadlineKind.NONE}
    assert fixed == {"conduct.3e", "bulk-email.1"}
    assert none == {"conduct.2a", "enforcement"}
    promptly = policy.clause("conduct.5a").deadline
    assert promptly.resolve(timedelta(hours=72)) == timedelta(hours=72)


def test_the_38_carriers_in_the_policys_order(seed: Seed, policy: Policy) -> None:
    assert len(seed.carriers) == 38
    assert [c.name for c in policy.carriers] == seed.carriers
    assert all(c.url is None for c in policy.carriers)  # the policy prints none
    ids = [c.id for c in policy.carriers]
    assert len(set(ids)) == 38
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_clauses_speaking_of_written_consent_name_a_consent_kind(seed: Seed,
                                                                  policy: Policy) -> None:
    consenting = [c.id for c in seed.clauses if "written consent" in c.body]
    assert {"conduct.1b", "conduct.1g", "conduct.3c", "conduct.3f"} <= set(consenting)
    for clause_id in consenting:
        assert policy.clause(clause_id).consent_kinds, clause_id
    assert "scanning" in policy.clause("conduct.3c").consent_kinds
    assert "vulnerability-testing" in policy.clause("conduct.3f").consent_kinds


# -- the abuse team's reading ------------------------------------------------------------


def test_every_report_category_maps_to_a_clause_or_is_declared_not_a_violation(
        policy: Policy) -> None:
    assert len(ALL_XARF_PAIRS) == 32
    assert uncovered_report_types(policy) == []
    for pair in ALL_XARF_PAIRS:
        category, type_ = pair.split("/")
        result = policy.classify(category, type_)
        assert result.clause_ids or result.not_a_violation, pair
    assert len(RSIT_TYPES) == 44
    for rsit in RSIT_TYPES:
        mapped = any(rsit in clause.rsit for clause in policy.clauses)
        assert mapped or policy.not_violations.get(f"rsit:{rsit}"), rsit


def test_mappings_point_only_at_clauses_that_are_violations(policy: Policy) -> None:
    for clause in policy.clauses:
        if clause.xarf or clause.rsit:
            assert clause.is_violation, clause.id


@pytest.mark.parametrize(("category", "type_", "clause_id"), [
    *[("copyright", t, "content.3") for t in XARF_TYPES["copyright"]],
    ("messaging", "spam", "conduct.5a"),
    ("messaging", "bulk_messaging", "bulk-email.1"),
    ("reputation", "blocklist", "conduct.3e"),
    ("connection", "port_scan", "conduct.3c"),
    ("connection", "ddos", "conduct.3c"),
    ("connection", "vulnerability_scan", "conduct.3f"),
    ("connection", "login_attack", "conduct.1a"),
    ("content", "phishing", "conduct.2c"),
    ("content", "fraud", "conduct.2c"),
    ("content", "exposed_data", "content.7"),
    ("content", "malware", "conduct.3b"),
    ("content", "malware", "content.8"),
    ("connection", "infected_host", "conduct.3b"),
    ("infrastructure", "botnet", "conduct.3b"),
])
def test_report_categories_reach_the_clause_an_analyst_would_cite(
        policy: Policy, category: str, type_: str, clause_id: str) -> None:
    assert clause_id in policy.classify(category, type_).clause_ids


@pytest.mark.parametrize(("rsit", "clause_id"), [
    ("spam", "conduct.5a"), ("phishing", "conduct.2c"), ("blacklist", "conduct.3e"),
    ("scanner", "conduct.3c"), ("ddos", "conduct.3c"), ("brute-force", "conduct.1a"),
    ("infected-system", "conduct.3b"), ("c2-server", "conduct.3b"),
    ("copyright", "content.3"), ("data-leak", "content.7"), ("masquerade", "conduct.4"),
])
def test_rsit_types_reach_their_clause(policy: Policy, rsit: str, clause_id: str) -> None:
    result = policy.classify("reputation", "threat_intelligence", rsit=rsit)
    assert clause_id in result.clause_ids


@pytest.mark.parametrize("pair", ["vulnerability/cve", "vulnerability/misconfiguration",
                                  "vulnerability/open_service"])
def test_a_vulnerable_service_is_a_notice_not_a_breach(policy: Policy, pair: str) -> None:
    category, type_ = pair.split("/")
    result = policy.classify(category, type_)
    assert result.clause_ids == ()
    assert result.not_a_violation


@pytest.mark.parametrize("rsit", ["vulnerable-system", "ddos-amplifier", "weak-crypto",
                                  "potentially-unwanted-accessible", "information-disclosure"])
def test_rsit_vulnerability_types_are_notices(policy: Policy, rsit: str) -> None:
    assert f"rsit:{rsit}" in policy.not_violations
    assert not any(rsit in c.rsit for c in policy.clauses)


def test_child_sexual_abuse_material_is_restricted_and_only_there(policy: Policy) -> None:
    clause = policy.clause("conduct.2a")
    assert clause.restricted
    assert clause.deadline.kind is DeadlineKind.NONE
    assert clause.ladder[0] is Action.SUSPEND
    assert Action.WARN not in clause.ladder
    assert clause.severity is Severity.CRITICAL
    assert [c.id for c in policy.clauses if c.restricted] == ["conduct.2a"]
    assert max(c.severity.rank for c in policy.clauses) == clause.severity.rank


@pytest.mark.parametrize("type_", ["csam", "csem"])
def test_child_abuse_reports_never_reach_a_forwarded_clause(policy: Policy, type_: str) -> None:
    # A report of child abuse material classified to any unrestricted clause would be
    # forwarded to the customer; it must land on the restricted clause alone.
    assert policy.classify("content", type_).clause_ids == ("conduct.2a",)


def test_rsit_violence_gets_restricted_handling_first(policy: Policy) -> None:
    ids = policy.classify("content", "fraud", rsit="violence").clause_ids
    assert "conduct.2a" in ids


def test_unsecured_hosts_may_be_blocked_under_3b(seed: Seed, policy: Policy) -> None:
    assert "may be blocked" in seed_clause(seed, "conduct.3b").body
    assert Action.BLOCK_HOST in policy.clause("conduct.3b").ladder


def test_ladders_escalate_and_evidence_is_named(policy: Policy) -> None:
    for clause in policy.clauses:
        if not clause.is_violation:
            continue
        assert clause.ladder, clause.id
        assert clause.evidence, clause.id
        assert len(set(clause.ladder)) == len(clause.ladder), clause.id
        if Action.TERMINATE in clause.ladder:
            assert clause.ladder[-1] is Action.TERMINATE, clause.id


def test_duties_and_enforcement_are_not_offences(policy: Policy) -> None:
    duties = {c.id for c in policy.clauses if not c.is_violation}
    assert duties == {"notification.1", "notification.2", "notification.3", "notification.4",
                      "enforcement"}
    assert policy.clause("enforcement").category is ClauseCategory.ENFORCEMENT
