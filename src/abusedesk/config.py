"""Settings: one typed object, read from ``ABUSEDESK_*`` variables and an optional TOML file.

Precedence, highest first: environment variables, the TOML file named by
``ABUSEDESK_CONFIG`` (or passed to ``load_settings``), the defaults below. Every field is
documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from croniter import croniter
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from abusedesk.domain.errors import ConfigurationError


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/abusedesk``, or ``~/.local/share/abusedesk``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "abusedesk"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ABUSEDESK_", extra="forbid")

    # storage and jobs
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None  # default: SQLite at <data_dir>/abusedesk.db
    worker_concurrency: int = Field(default=4, ge=1, le=64)

    # policy
    promptly_deadline: timedelta = timedelta(hours=72)

    # SMTP intake (abuse@)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=2525, ge=0, le=65535)
    smtp_hostname: str = "abusedesk.localhost"
    smtp_local_parts: list[str] = ["abuse"]
    smtp_aliases: list[str] = []  # extra full addresses accepted besides <local part>@any
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)

    # IMAP polling of an existing abuse@ mailbox
    imap_host: str | None = None
    imap_port: int = 993
    imap_tls: bool = True
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_mailbox: str = "INBOX"
    imap_poll_seconds: int = Field(default=60, ge=1)

    # HTTP (API, staff web UI, customer portal)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None  # default: generated once into <data_dir>/secret.key

    # outbound mail (notices to customers, acknowledgements to complainants)
    relay_host: str = "127.0.0.1"
    relay_port: int = Field(default=25, ge=1, le=65535)
    relay_starttls: bool = False
    relay_user: str | None = None
    relay_password: SecretStr | None = None
    mail_from: str = "abuse@abusedesk.localhost"

    # cases, deadlines, notices, enforcement (docs/cases.md)
    case_reopen_window: timedelta = timedelta(days=30)  # an event this soon after closing reopens
    reminder_leads: list[timedelta] = [timedelta(hours=24)]  # reminders this long before a deadline
    response_link_lifetime: timedelta = timedelta(days=30)
    notice_template_dir: Path | None = None  # provider templates, tried before the built-in ones
    notice_language: str = "en"
    acknowledge_complainants: bool = True
    relay_timeout_seconds: float = Field(default=60.0, gt=0)
    evidence_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    enforcement_dry_run: bool = False  # simulate every action: executors are described, not run
    #: Executor per action ("suspend", "block-host", ...; "*" for any): {"kind": "webhook",
    #: "url": ..., "secret": ...} or {"kind": "command", "argv": [...]}; none: recorded by hand.
    enforcement_executors: dict[str, dict[str, Any]] = {}
    #: When the worker runs the deadline check (crontab, UTC; a sixth field counts seconds).
    deadline_check_cron: str = "* * * * *"

    # blocklist monitoring
    blocklist_zones_file: Path | None = None  # default: the built-in zone list
    blocklist_sweep_cron: str = "0 */6 * * *"  # sweeps of every customer asset (crontab)

    # content scanning (docs/scanning.md)
    scan_yara_rules_dir: Path | None = None  # more *.yar/*.yara rules besides the bundled ones
    scan_clamav_database: Path | None = None  # ClamAV signatures (file or folder); none: no ClamAV
    scan_clamscan: str = "clamscan"  # the clamscan program (a name on PATH or a full path)
    scan_timeout_seconds: float = Field(default=300.0, gt=0)  # one clamscan run

    @field_validator("deadline_check_cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a crontab expression (e.g. '* * * * *')")
        return value

    @field_validator("smtp_local_parts", "smtp_aliases")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [value.strip().lower() for value in values if value.strip()]

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'abusedesk.db'}"

    @property
    def is_embedded(self) -> bool:
        """True on SQLite: jobs run in-process instead of through procrastinate."""
        return self.effective_database_url.startswith("sqlite")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = os.environ.get("ABUSEDESK_CONFIG")
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_file)))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the Settings, turning validation failures into one readable ConfigurationError."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigurationError(f"configuration file {config_file} does not exist")
        os.environ["ABUSEDESK_CONFIG"] = str(config_file)
    elif (named := os.environ.get("ABUSEDESK_CONFIG")) and not Path(named).is_file():
        raise ConfigurationError(f"ABUSEDESK_CONFIG names {named}, which does not exist")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc']) or '(settings)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from None
