"""Every notebook follows the anatomy of the course guide and is committed without outputs.

(Each notebook is also executed by nbval in the quick profile: pytest collects notebooks/.)
"""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_the_first_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS][:2] == ["00_setup", "01_autoencoder"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_valid_and_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: strip outputs before committing"
            assert cell.execution_count is None, f"{path.name}: clear execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_anatomy(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {path.stem[:2]} ·")
    assert "Prerequisites" in cells[0].source and "Contents" in cells[0].source
    parameters = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "exactly one parameters-tagged cell"
    for name in ("PROFILE", "SEED", "OUTPUT_DIR"):
        assert f"{name} = " in parameters[0].source, f"parameters cell lacks {name}"
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "assert " in code, "a notebook proves its claims with check cells"
    assert "check_" in code and "raise NotImplementedError" in code, "exercises with self-checks"
    assert "## Summary" in markdown and "## References" in markdown
    for forbidden in ("download=True", "urlretrieve", "requests.get", "urlopen"):
        assert forbidden not in code, f"{path.name} downloads at run time ({forbidden})"
