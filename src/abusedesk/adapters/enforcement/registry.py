"""Executors per action from ``ABUSEDESK_ENFORCEMENT_EXECUTORS``, validated at start.

The setting maps an action (``warn``, ``block-host``, ``suspend``, ``remove-content``,
``remove-access``, ``terminate``) or ``*`` (any other) to one executor::

    {"suspend": {"kind": "webhook", "url": "https://ops.example.net/abuse",
                 "secret": "...", "timeout": 30},
     "block-host": {"kind": "command", "argv": ["/usr/local/sbin/block", "{target}"],
                    "lift_argv": ["/usr/local/sbin/unblock", "{target}"], "timeout": 60},
     "*": {"kind": "manual"}}

An action without an entry (and no ``*``) is recorded as carried out by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from abusedesk.adapters.enforcement.command import CommandExecutor
from abusedesk.adapters.enforcement.manual import ManualExecutor
from abusedesk.adapters.enforcement.webhook import WebhookExecutor
from abusedesk.domain.cases_ports import Executor, ExecutorFor
from abusedesk.domain.clock import Clock
from abusedesk.domain.errors import ConfigurationError
from abusedesk.domain.policy import Action

MIN_SECRET = 16
SETTING = "ABUSEDESK_ENFORCEMENT_EXECUTORS"


def build_executor(name: str, spec: Mapping[str, Any], clock: Clock) -> Executor:
    where = f"{SETTING}[{name!r}]"
    if not isinstance(spec, Mapping):
        raise ConfigurationError(f"{where} must be an object with a 'kind'")
    kind = spec.get("kind")
    allowed = {"webhook": {"kind", "url", "secret", "timeout"},
               "command": {"kind", "argv", "lift_argv", "timeout", "env"},
               "manual": {"kind"}}
    if not isinstance(kind, str) or kind not in allowed:  # a list cannot be looked up
        raise ConfigurationError(f"{where}: kind must be webhook, command or manual, not {kind!r}")
    unknown = set(spec) - allowed[kind]
    if unknown:
        raise ConfigurationError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    timeout = spec.get("timeout", 30.0 if kind == "webhook" else 60.0)
    if not isinstance(timeout, int | float) or not 0 < timeout <= 3600:
        raise ConfigurationError(f"{where}: timeout must be seconds between 0 and 3600")
    if kind == "webhook":
        url, secret = spec.get("url"), spec.get("secret")
        if not isinstance(url, str):
            raise ConfigurationError(f"{where}: a webhook needs a url, the http(s) URL that "
                                     "actions are posted to")
        if not _is_http_url(url):
            raise ConfigurationError(f"{where}: url must be an http(s) URL")
        if not isinstance(secret, str) or len(secret) < MIN_SECRET:
            raise ConfigurationError(f"{where}: secret must be at least {MIN_SECRET} characters")
        return WebhookExecutor(url, secret, clock, timeout=float(timeout))
    if kind == "command":
        env = spec.get("env") or {}
        if not isinstance(env, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
            raise ConfigurationError(f"{where}: env must map names to strings")
        try:
            return CommandExecutor(spec.get("argv"), lift_argv=spec.get("lift_argv"),  # type: ignore[arg-type]
                                   timeout=float(timeout), env=env)
        except ConfigurationError as error:
            raise ConfigurationError(f"{where}: {error}") from None
    return ManualExecutor()


def _is_http_url(url: str) -> bool:
    """An http(s) URL with a host, that the webhook's HTTP client will take."""
    try:
        parts = urlsplit(url)  # a ValueError for an unclosed IPv6 bracket, say
        port = parts.port  # a ValueError when not a number from 0 to 65535
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0
            and url.isprintable())


def executors_from_settings(config: Mapping[str, Any], clock: Clock) -> ExecutorFor:
    """Validate every entry now, and return the lookup from action to executor."""
    known = {action.value for action in Action} | {"*"}
    built: dict[str, Executor] = {}
    for name, spec in config.items():
        if name not in known:
            raise ConfigurationError(f"{SETTING}: {name!r} is not an action; use one of "
                                     f"{', '.join(sorted(known))}")
        built[name] = build_executor(name, spec, clock)
    fallback = built.get("*", ManualExecutor())

    def executor_for(action: Action) -> Executor:
        return built.get(action.value, fallback)

    return executor_for
