"""Run a notebook to the end, past failing cells, and read what each of its check cells did.

Every code cell with an ``assert`` is a check cell and carries one of two tags:
- ``check``: it claims something about a trained model (the mutation test requires it to fail when
  training is removed);
- ``check-no-training``: closed-form math, data or helpers, true without any training.

Used by the mutation test (``test_mutation.py``) and the seed sweep (``seed_sweep.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_utils.gallery import ipc_kernel_config

NEEDS_TRAINING, NO_TRAINING = "check", "check-no-training"


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def check_tag(cell) -> str | None:
    tags = {NEEDS_TRAINING, NO_TRAINING} & set(cell.metadata.get("tags", []))
    return tags.pop() if len(tags) == 1 else None


@dataclass
class CheckResult:
    cell: int  # the code cell's number, counted from 1 as in the notebook's code cells
    tag: str
    error: str | None  # "AssertionError: ..." when the check failed
    printed: str  # what the cell printed (its numbers, the ✓ line)

    @property
    def failed_its_assert(self) -> bool:
        return self.error is not None and self.error.startswith("AssertionError")


def error_of(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"
    return None


def printed_by(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def execute(path: Path, parameters: dict[str, object], timeout: int = 300):
    """Execute the notebook at ``path`` on the course kernel with ``parameters`` set after its
    parameters cell; every cell runs, whether an earlier one failed or not (as under nbval)."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "".join(f"\n{name} = {value!r}" for name, value in parameters.items())
    NotebookClient(
        notebook,
        kernel_name="course",
        allow_errors=True,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        config=ipc_kernel_config(),
    ).execute()
    return notebook


def check_results(notebook) -> tuple[list[CheckResult], list[str]]:
    """The check cells' results, and the errors of cells that are not check cells."""
    checks, crashes = [], []
    for number, cell in enumerate(code_cells(notebook), 1):
        tag, error = check_tag(cell), error_of(cell)
        if tag is not None:
            checks.append(CheckResult(number, tag, error, printed_by(cell)))
        elif error is not None:
            crashes.append(f"code cell {number}: {error}")
    return checks, crashes
