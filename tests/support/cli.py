"""Run the real ``abusedesk`` command in a subprocess, as a user would.

Its output goes into pipes, as in ``abusedesk cases list | grep ...``: no terminal, and no
``COLUMNS`` set, so the tests see the widths a script sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def abusedesk(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              stdin: bytes | None = None, timeout: float = 120) -> CliResult:
    """Run ``python -m abusedesk ARGS`` with the current environment plus ``env``."""
    full_env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    completed = subprocess.run(
        [sys.executable, "-m", "abusedesk", *args],
        env=full_env, cwd=cwd, input=b"" if stdin is None else stdin, capture_output=True,
        timeout=timeout, check=False,
    )
    return CliResult(completed.returncode, completed.stdout.decode("utf-8", "replace"),
                     completed.stderr.decode("utf-8", "replace"))
