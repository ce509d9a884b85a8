"""Every notebook follows the anatomy of the course guide and is committed without outputs.

(Each notebook is also executed by nbval in the quick profile: pytest collects notebooks/.)
"""

import ast
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
    self_checked = [
        c.source
        for c in cells
        if c.cell_type == "code"
        and "raise NotImplementedError" in c.source
        and "check_" in c.source
    ]
    assert len(self_checked) >= 2, "at least two exercises, each a TODO cell with its self-check"
    assert "## Summary" in markdown and "## References" in markdown
    for forbidden in ("download=True", "urlretrieve", "requests.get", "urlopen"):
        assert forbidden not in code, f"{path.name} downloads at run time ({forbidden})"


# Calls that draw from a library's global random state unless given a seed of their own, and the
# argument that seeds them.  Seeding explicitly keeps a notebook's numbers independent of what
# else ran before in the kernel.
SEED_ARGUMENTS = {
    **dict.fromkeys(
        ("PCA", "TruncatedSVD", "KMeans", "MiniBatchKMeans", "TSNE", "GaussianMixture",
         "train_test_split", "RandomForestClassifier", "MLPClassifier"),
        "random_state",
    ),
    "DataLoader": "generator",
    "default_rng": "seed",
}  # fmt: skip


def unseeded_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in SEED_ARGUMENTS:
            continue
        seeded = any(k.arg == SEED_ARGUMENTS[name] for k in node.keywords)
        if name == "default_rng":
            seeded = seeded or bool(node.args)
        if not seeded:
            found.append((node.lineno, f"line {node.lineno}: {ast.unparse(node)[:80]}"))
    return [description for _, description in sorted(found)]


def test_unseeded_calls_are_found():
    assert unseeded_calls("PCA(16).fit(x)\nnp.random.default_rng()") == [
        "line 1: PCA(16)",
        "line 2: np.random.default_rng()",
    ]
    assert unseeded_calls("PCA(16, random_state=SEED)\nnp.random.default_rng(SEED)") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_seeds_every_random_source_explicitly(path):
    notebook = nbformat.read(path, as_version=4)
    for number, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), 1):
        unseeded = unseeded_calls(cell.source)
        assert not unseeded, f"{path.name}, code cell {number}: pass a seed to {unseeded}"
