"""The code holds its own rules: imports point inward (import-linter), types check (mypy
--strict), lint is clean (ruff)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_imports_point_inward() -> None:
    result = subprocess.run([_dev_tool("lint-imports"), "--no-cache"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def _dev_tool(name: str) -> str:
    tool = shutil.which(name, path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return tool


def test_types_check_strictly() -> None:
    """mypy --strict over the whole package, as configured in pyproject.toml."""
    result = subprocess.run([_dev_tool("mypy"), "--no-incremental"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_lint_is_clean() -> None:
    result = subprocess.run([_dev_tool("ruff"), "check", "--no-cache", "src", "tests", "bench"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
