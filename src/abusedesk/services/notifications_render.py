"""Rendering notices from templates: per kind, per clause, per language, overridable.

Templates live in the package (``abusedesk/templates/notices``) and, first in line, in the
directory named by ``ABUSEDESK_NOTICE_TEMPLATE_DIR``. For a notice of kind ``K`` about
clause ``C`` in language ``L`` the first template found of

    K/C.L.txt   K/C.txt   K/default.L.txt   K/default.txt

is used (restricted clauses use ``K/restricted...`` instead of ``K/default...``). A
template's first line is ``Subject: ...``; the rest, after one empty line, is the body.
The same names ending in ``.html`` add an HTML alternative, rendered with autoescaping;
plain text is the default. Templates run in Jinja2's sandbox with undefined names as
errors, so a provider's template mistake fails loudly instead of sending a broken notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from abusedesk.domain.errors import ConfigurationError
from abusedesk.domain.notices import NoticeKind

PACKAGE_TEMPLATES = ("abusedesk", "templates/notices")


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    subject: str
    text: str
    html: str | None
    template: str  # the name of the text template used, for the record


def _environment(loader: jinja2.BaseLoader, *, html: bool) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=loader, autoescape=html, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["utc"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M UTC") \
        if moment is not None else "-"
    return environment


class NoticeRenderer:
    def __init__(self, template_dir: Path | None = None, *, language: str = "en") -> None:
        loaders: list[jinja2.BaseLoader] = []
        if template_dir is not None:
            if not template_dir.is_dir():
                raise ConfigurationError(
                    f"ABUSEDESK_NOTICE_TEMPLATE_DIR names {template_dir}, which is not a directory")
            loaders.append(jinja2.FileSystemLoader(str(template_dir)))
        loaders.append(jinja2.PackageLoader(*PACKAGE_TEMPLATES))
        loader = jinja2.ChoiceLoader(loaders)
        self._text = _environment(loader, html=False)
        self._html = _environment(loader, html=True)
        self.language = language

    def candidates(self, kind: NoticeKind, clause_id: str | None, *, restricted: bool,
                   language: str | None, suffix: str) -> list[str]:
        language = (language or self.language).lower()
        fallback = "restricted" if restricted else "default"
        names = []
        if clause_id:
            names += [f"{kind.value}/{clause_id}.{language}.{suffix}",
                      f"{kind.value}/{clause_id}.{suffix}"]
        names += [f"{kind.value}/{fallback}.{language}.{suffix}",
                  f"{kind.value}/{fallback}.{suffix}"]
        return names

    def render(self, kind: NoticeKind, context: Mapping[str, Any], *,
               clause_id: str | None = None, restricted: bool = False,
               language: str | None = None) -> RenderedNotice:
        """Render the subject, text and (when a template exists) HTML of a notice."""
        names = self.candidates(kind, clause_id, restricted=restricted, language=language,
                                suffix="txt")
        try:
            template = self._text.select_template(names)
        except jinja2.TemplatesNotFound:
            raise ConfigurationError(f"no notice template: tried {', '.join(names)}") from None
        subject, text = _split_subject(self._run(template, context), template.name or names[-1])
        html = None
        html_names = self.candidates(kind, clause_id, restricted=restricted, language=language,
                                     suffix="html")
        try:
            html_template = self._html.select_template(html_names)
        except jinja2.TemplatesNotFound:
            html_template = None
        if html_template is not None:
            html = self._run(html_template, context)
        return RenderedNotice(subject, text, html, template.name or names[-1])

    @staticmethod
    def _run(template: jinja2.Template, context: Mapping[str, Any]) -> str:
        try:
            return template.render(**context)
        except jinja2.TemplateError as error:
            raise ConfigurationError(f"notice template {template.name} failed: {error}") from None


def _split_subject(rendered: str, name: str) -> tuple[str, str]:
    first, _, rest = rendered.partition("\n")
    if not first.lower().startswith("subject:"):
        raise ConfigurationError(f"notice template {name} must start with a 'Subject:' line")
    # One line, whatever the values in it: a line break in a subject would be a header
    # injection.
    subject = " ".join(first.split(":", 1)[1].split())
    return subject[:250], rest.lstrip("\n")
