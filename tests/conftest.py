"""Test-suite set-up: no network for the tests or for any notebook kernel they start.

The guard is switched on here for this process and, through ``tests/offline/sitecustomize.py``
on ``PYTHONPATH``, for every Python process started from it (nbval's kernels).  Blocked attempts
raise inside the offender and are also logged; a non-empty log fails the whole run, even where
the offender swallowed the exception.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from course_utils.offline import block_network

OFFLINE_DIR = Path(__file__).parent / "offline"
_log_fd, NETWORK_LOG = tempfile.mkstemp(prefix="course-network-", suffix=".log")
os.close(_log_fd)
os.environ["COURSE_BLOCK_NETWORK"] = "1"
os.environ["COURSE_NETWORK_LOG"] = NETWORK_LOG
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(OFFLINE_DIR), os.environ.get("PYTHONPATH")])
)
os.environ.setdefault("COURSE_PROFILE", "quick")
block_network(NETWORK_LOG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    attempts = Path(NETWORK_LOG).read_text()
    Path(NETWORK_LOG).unlink(missing_ok=True)
    if attempts:
        print(f"\nNETWORK ACCESS ATTEMPTED (the course must run offline):\n{attempts}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
