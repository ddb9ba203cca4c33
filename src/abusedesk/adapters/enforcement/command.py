"""The command executor: run a program with the action's details as separate arguments.

``argv`` is a list such as ``["/usr/local/sbin/suspend-host", "--case", "{case}",
"{target}"]``. Placeholders (``{action}``, ``{target}``, ``{case}``, ``{case_id}``,
``{customer_id}``, ``{clause}``, ``{operation}``, ``{action_id}``) are replaced inside
each argument; the list goes to ``subprocess.run`` as it is, never through a shell, so no
value can start another command. A value beginning with ``-`` is refused, so a hostile
host name cannot pose as an option. The JSON payload is also on standard input and in
``ABUSEDESK_ACTION_*`` environment variables. Exit status 0 means done.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence

from abusedesk.domain.enforcement import ExecutionRequest, ExecutionResult
from abusedesk.domain.errors import ConfigurationError

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
KNOWN = ("action", "target", "case", "case_id", "customer_id", "clause", "operation",
         "action_id")
MAX_OUTPUT_SHOWN = 500


def _values(request: ExecutionRequest) -> dict[str, str]:
    return {"action": request.action.value, "target": request.target,
            "case": request.case_reference, "case_id": str(request.case_id),
            "customer_id": str(request.customer_id), "clause": request.clause_id,
            "operation": request.operation, "action_id": str(request.action_id)}


def check_argv(argv: Sequence[str], what: str) -> list[str]:
    """Validate a configured argument list: a non-empty list of strings, known placeholders."""
    if not isinstance(argv, (list, tuple)) or not argv or not all(isinstance(a, str) for a in argv):
        raise ConfigurationError(f"{what} must be a non-empty list of strings")
    for argument in argv:
        for name in PLACEHOLDER.findall(argument):
            if name not in KNOWN:
                raise ConfigurationError(f"{what}: unknown placeholder {{{name}}}; known: "
                                         f"{', '.join('{' + k + '}' for k in KNOWN)}")
    if PLACEHOLDER.search(argv[0]):
        raise ConfigurationError(f"{what}: the program itself cannot be a placeholder")
    return list(argv)


class CommandExecutor:
    def __init__(self, argv: Sequence[str], *, lift_argv: Sequence[str] | None = None,
                 timeout: float = 60.0, env: Mapping[str, str] | None = None) -> None:
        self._argv = check_argv(argv, "argv")
        self._lift_argv = check_argv(lift_argv, "lift_argv") if lift_argv else None
        self._timeout = timeout
        self._env = dict(env or {})
        self.name = f"command {os.path.basename(self._argv[0])}"

    def arguments(self, request: ExecutionRequest) -> list[str]:
        """The argument list for ``request`` with its placeholders filled in."""
        values = _values(request)
        for name, value in values.items():
            if value.startswith("-"):
                raise ConfigurationError(f"refusing to pass {name} {value!r}: it begins with '-' "
                                         "and could be read as an option")
        template = self._lift_argv if request.lift and self._lift_argv else self._argv
        return [PLACEHOLDER.sub(lambda match: values[match.group(1)], argument)
                for argument in template]

    def describe(self, request: ExecutionRequest) -> str:
        return "run " + " ".join(json.dumps(argument) for argument in self.arguments(request))

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        try:
            arguments = self.arguments(request)
        except ConfigurationError as error:
            return ExecutionResult(False, str(error), self.name)
        payload = json.dumps(request.as_payload(), sort_keys=True)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self._env,
            **{f"ABUSEDESK_ACTION_{key.upper()}": value
               for key, value in _values(request).items()},
            "ABUSEDESK_ACTION_JSON": payload,
        }
        try:
            completed = subprocess.run(  # noqa: S603 - a list, no shell, values checked above
                arguments, input=payload.encode("utf-8"), capture_output=True,
                timeout=self._timeout, env=environment, check=False, shell=False)
        except FileNotFoundError:
            return ExecutionResult(False, f"{arguments[0]} does not exist", self.name)
        except subprocess.TimeoutExpired:
            return ExecutionResult(False, f"{arguments[0]} did not finish within "
                                          f"{self._timeout:g} s and was stopped", self.name)
        except OSError as error:
            return ExecutionResult(False, f"{arguments[0]} could not run: {error}", self.name)
        output = (completed.stdout or completed.stderr).decode("utf-8", "replace").strip()
        shown = output[:MAX_OUTPUT_SHOWN]
        if completed.returncode == 0:
            return ExecutionResult(True, f"{self.name} succeeded{': ' + shown if shown else ''}",
                                   self.name)
        return ExecutionResult(False, f"{self.name} exited with status {completed.returncode}"
                                      f"{': ' + shown if shown else ''}", self.name)
