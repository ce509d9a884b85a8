"""Static checks: ruff over all code (notebooks included), mypy over the typed package."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_is_clean():
    result = run("ruff", "check", "course_utils", "tests", "notebooks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_and_tests_are_formatted():
    # Notebooks are exempt: their layout is part of the teaching (aligned comments, short cells).
    result = run("ruff", "format", "--check", "course_utils", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_course_utils_type_checks():
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
