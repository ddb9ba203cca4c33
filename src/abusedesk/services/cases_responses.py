"""The customer's answer: response links, acknowledging, reporting a remedy with evidence.

The representative holds a signed, expiring link (``abusedesk.domain.cases_links``); the
customer portal and API hold a customer or partner token instead. Either way the answer
arrives here as a ``ResponseGrant`` for one case and one party, and moves the case:
acknowledging makes it ``acknowledged`` (the deadline still runs); reporting a remedy
makes it ``resolved`` (the deadline stops) until staff close it, or send it back to
``awaiting-customer`` when the remedy is not enough. The same answer can carry the
evidence an open opt-in evidence request of the case asks for (``answer_optin``): it is
kept as an answer of the case, files and all, and answers the request; the case's state
does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from abusedesk.domain.bulk import OptInRequest
from abusedesk.domain.cases import RESPONSE_STATES, CaseState
from abusedesk.domain.cases_links import (
    InvalidLink,
    ResponseGrant,
    response_link,
    sign_response_token,
    verify_response_token,
)
from abusedesk.domain.cases_model import Case, CaseResponse, EvidenceFile, ResponseKind
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import Conflict, InputLimitExceeded, InvalidInput, NotFound
from abusedesk.domain.ports import UnitOfWork
from abusedesk.services.audit import record
from abusedesk.services.bulk_optin import answer_request, checked_evidence
from abusedesk.services.cases import find_case, move

MAX_TEXT = 20_000
MAX_FILES = 20
_SAFE_NAME = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+ ")


@dataclass(frozen=True, slots=True)
class ResponseLink:
    url: str
    token: str
    expires_at: datetime


def issue_link(case: Case, *, key: bytes, public_url: str, expires: datetime) -> ResponseLink:
    """A signed link that lets the party answering for ``case`` respond until ``expires``."""
    token = sign_response_token(
        ResponseGrant(case.id, case.reference, case.notify_customer_id, expires), key)
    return ResponseLink(response_link(public_url, token), token, expires)


@dataclass(frozen=True, slots=True)
class ResponseView:
    """What the holder of a grant may see of the case (restricted content never included)."""

    grant: ResponseGrant
    case: Case
    responses: Sequence[CaseResponse]
    optin_requests: Sequence[OptInRequest] = ()  # the case's open ones


class ResponseService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, *, key: bytes,
                 public_url: str, lifetime: timedelta, evidence_max_bytes: int,
                 leads: Sequence[timedelta] = ()) -> None:
        self._uow = uow
        self._clock = clock
        self._key = key
        self._public_url = public_url
        self._lifetime = lifetime
        self._evidence_max = evidence_max_bytes
        self._leads = tuple(leads)

    def link(self, reference: str) -> ResponseLink:
        """A fresh response link for the party answering for a case (staff hand it out)."""
        with self._uow() as uow:
            case = find_case(uow, reference)
        return issue_link(case, key=self._key, public_url=self._public_url,
                          expires=self._clock.now() + self._lifetime)

    def verify(self, token: str) -> ResponseGrant:
        """The grant of a response link; ``InvalidLink``/``ExpiredLink`` when it is not good."""
        return verify_response_token(token, self._key, now=self._clock.now())

    def grant_for_party(self, reference: str, party_id: int) -> ResponseGrant:
        """A grant for a customer or partner token holder (the API's way in): the party
        must be the one the case's notices go to."""
        with self._uow() as uow:
            case = find_case(uow, reference)
        if case.notify_customer_id != party_id:
            raise InvalidLink(f"case {case.reference} is not one of your cases")
        return ResponseGrant(case.id, case.reference, party_id,
                             self._clock.now() + timedelta(minutes=5))

    def view(self, grant: ResponseGrant) -> ResponseView:
        with self._uow() as uow:
            case = self._granted_case(uow, grant, for_update=False, answering=None)
            return ResponseView(grant, case, uow.cases.responses(case.id),
                                uow.bulk.requests(case_id=case.id, open_only=True))

    def acknowledge(self, grant: ResponseGrant, *, author: str, text: str = "",
                    via: str = "link") -> Case:
        """The representative confirms receipt; the deadline keeps running."""
        return self._answer(grant, ResponseKind.ACKNOWLEDGE, author=author, text=text,
                            via=via, evidence=())

    def report_remedy(self, grant: ResponseGrant, *, author: str, text: str,
                      evidence: Sequence[EvidenceFile] = (), via: str = "link") -> Case:
        """The representative reports what was done, with evidence files; the case is
        resolved and the deadline stops."""
        if not text.strip():
            raise InvalidInput("describe the remedy: what was found, and what was done")
        return self._answer(grant, ResponseKind.REMEDY, author=author, text=text, via=via,
                            evidence=evidence)

    def answer_optin(self, grant: ResponseGrant, request_id: int, *, author: str, text: str,
                     evidence: Sequence[EvidenceFile] = (), via: str = "link") -> OptInRequest:
        """Answer an open opt-in evidence request of the grant's case: ``text`` says where
        the confirmed opt-in record is or what it shows, ``evidence`` files may carry it.
        Kept as an answer of the case (files included); the case's state is unchanged."""
        author = " ".join(author.split())[:320] or "customer representative"
        if len(text) > MAX_TEXT:
            raise InputLimitExceeded(f"the answer is longer than {MAX_TEXT} characters")
        text = checked_evidence(text)
        files = self._checked(evidence)
        with self._uow() as uow:
            case = self._granted_case(uow, grant, for_update=True, answering=None)
            request = uow.bulk.request(request_id, for_update=True)
            if request is None or request.case_id != case.id:
                raise NotFound(f"case {case.reference} has no opt-in evidence request "
                               f"{request_id}")
            response = uow.cases.add_response(
                case_id=case.id, kind=ResponseKind.OPTIN_EVIDENCE, party_id=grant.party_id,
                author=author, text=text, via=via, at=self._clock.now(), evidence=files)
            record(uow, self._clock, actor=f"customer:{grant.party_id}:{author}",
                   action=f"case.{ResponseKind.OPTIN_EVIDENCE.value}", subject_type="case",
                   subject_id=case.id,
                   data={"response_id": response.id, "via": via, "request_id": request.id,
                         "evidence": [list(item) for item in response.evidence]})
            kept = f"[case answer {response.id}, {len(files)} file(s)]"
            saved = answer_request(uow, self._clock, request,
                                   evidence=f"{text[:1950]}\n{kept}", author=author, via=via)
            uow.commit()
        return saved

    def _answer(self, grant: ResponseGrant, kind: ResponseKind, *, author: str, text: str,
                via: str, evidence: Sequence[EvidenceFile]) -> Case:
        author = " ".join(author.split())[:320] or "customer representative"
        if len(text) > MAX_TEXT:
            raise InputLimitExceeded(f"the answer is longer than {MAX_TEXT} characters")
        files = self._checked(evidence)
        with self._uow() as uow:
            case = self._granted_case(uow, grant, for_update=True, answering=kind)
            response = uow.cases.add_response(
                case_id=case.id, kind=kind, party_id=grant.party_id, author=author, text=text,
                via=via, at=self._clock.now(), evidence=files)
            record(uow, self._clock, actor=f"customer:{grant.party_id}:{author}",
                   action=f"case.{kind.value}", subject_type="case", subject_id=case.id,
                   data={"response_id": response.id, "via": via,
                         "evidence": [list(item) for item in response.evidence]})
            target = CaseState.ACKNOWLEDGED if kind is ResponseKind.ACKNOWLEDGE \
                else CaseState.RESOLVED
            if case.state is not target and not (
                    target is CaseState.ACKNOWLEDGED and case.state is CaseState.SUSPENDED):
                case = move(uow, self._clock, case, target, actor=f"customer:{grant.party_id}",
                            reason=f"{kind.value} by {author} via {via}", leads=self._leads,
                            data={"response_id": response.id})
            uow.commit()
        return case

    def _granted_case(self, uow: UnitOfWork, grant: ResponseGrant, *, for_update: bool,
                      answering: ResponseKind | None) -> Case:
        """The case of the grant; an answer needs a case that takes one (a resolved case
        still takes more evidence of the remedy)."""
        case = uow.cases.get(grant.case_id, for_update=for_update)
        if case is None or case.reference != grant.reference \
                or case.notify_customer_id != grant.party_id:
            raise InvalidLink("this response link does not match a case")
        accepting = RESPONSE_STATES | ({CaseState.RESOLVED} if answering is ResponseKind.REMEDY
                                       else set())
        if answering is not None and case.state not in accepting:
            raise Conflict(f"case {case.reference} is {case.state.label.lower()}; it takes no "
                           "answers now. Reply to the abuse team if you need to reopen it")
        return case

    def _checked(self, evidence: Sequence[EvidenceFile]) -> list[EvidenceFile]:
        if len(evidence) > MAX_FILES:
            raise InputLimitExceeded(f"at most {MAX_FILES} evidence files per answer")
        total = sum(len(item.data) for item in evidence)
        if total > self._evidence_max:
            raise InputLimitExceeded(f"evidence files total {total} bytes; the limit is "
                                     f"{self._evidence_max}")
        checked = []
        for item in evidence:
            name = "".join(c if c in _SAFE_NAME else "_" for c in item.filename)[-200:].strip()
            content_type = item.content_type.strip().lower()[:100] or "application/octet-stream"
            if "/" not in content_type or any(c in content_type for c in "\r\n;"):
                content_type = "application/octet-stream"
            checked.append(EvidenceFile(name or "evidence", content_type, item.data))
        return checked

