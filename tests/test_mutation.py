"""The mutation test: a check that claims something about a trained model fails without training.

Each notebook runs in the ``untrained`` profile (the quick profile with every training step count
set to 0), to the end, past failing cells.  Then every check cell tagged ``check`` must have failed
with its own ``AssertionError``, every ``check-no-training`` cell must have passed, and no other
cell may have failed: a crash would hide the checks after it.  ``-s`` prints the report.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from check_cells import NEEDS_TRAINING, NO_TRAINING, check_results, code_cells, execute

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_check_cell_says_whether_it_needs_training(path):
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate(code_cells(notebook), 1):
        tags = {NEEDS_TRAINING, NO_TRAINING} & set(cell.metadata.get("tags", []))
        if "assert " in cell.source:
            assert len(tags) == 1, (
                f"{path.name}, code cell {number}: a check cell is tagged either {NEEDS_TRAINING!r}"
                f" or {NO_TRAINING!r}, got {sorted(tags) or 'neither'}"
            )
        else:
            assert not tags, f"{path.name}, code cell {number}: tagged a check, asserts nothing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checks_on_trained_models_fail_without_training(path, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "untrained")
    checks, crashes = check_results(execute(path, {"OUTPUT_DIR": str(tmp_path / "out")}))
    report, wrong = [], [f"{crash} (crashed without training)" for crash in crashes]
    for check in checks:
        outcome = check.error or "passed"
        report.append(f"code cell {check.cell:2d} [{check.tag}]: {outcome}"[:200])
        if check.tag == NEEDS_TRAINING and not check.failed_its_assert:
            wrong.append(f"code cell {check.cell} needs training, yet without it: {outcome}")
        if check.tag == NO_TRAINING and check.error is not None:
            wrong.append(f"code cell {check.cell} needs no training, yet failed: {check.error}")
    print(f"\n{path.stem} without training:\n  " + "\n  ".join(report))
    assert any(check.tag == NEEDS_TRAINING for check in checks), "no check on a trained model"
    assert not wrong, f"{path.name} without training:\n" + "\n".join(wrong)
