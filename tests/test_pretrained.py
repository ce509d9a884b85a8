"""The ``pretrained`` profile: notebooks with shipped weights load them, skip training, and pass
their checks at the full-profile thresholds, in seconds (for a live lecture)."""

from pathlib import Path

import pytest

from course_utils.gallery import execute_notebook
from course_utils.profiles import SETTINGS, SHIPPED_CHECKPOINTS, notebook_settings
from course_utils.shipped import read_manifest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# Seconds a notebook may take in the pretrained profile.  09 samples 1,000 digits with 20
# network passes each, and grades five sets more (sampler and guidance comparisons); 10 draws its
# 4,000 training clips (for the models' data) and grades 13 sets of 300 clips (56 s measured).
# 11 draws 6,000 stories (and 2,000 with other unsaid looks) and grades ten sets of 1,000 (their
# judge readings and Fréchet distances).  12 samples 300 clips from each of four DiTs (10 steps,
# two network passes each for guidance), grades seven sets and three more beside 10's MoCoGAN,
# 100 clips from each of the scaling study's six, and 300 clips of two objects from each of two
# DiTs (93 s as a script, 103 s for this test; 17 s of it the two-object clips).
TIME_LIMIT_S = {
    "09_diffusion": 120,
    "10_video_gans": 90,
    "11_story_visualization": 120,
    "12_video_diffusion_transformer": 150,
}
# No pretrained cell takes a minute here (the longest, 12's judge table, 30 s); one that runs
# this long has hung (see execute_notebook).
PRETRAINED_CELL_TIMEOUT_S = 120


def test_every_notebook_checkpoint_is_in_the_manifest():
    for notebook, (name, _) in SHIPPED_CHECKPOINTS.items():
        assert f"{name}.safetensors" in read_manifest(), f"{notebook}: {name} is not shipped"


@pytest.mark.parametrize("name", sorted(SHIPPED_CHECKPOINTS))
def test_pretrained_profile_loads_the_shipped_weights_and_passes_the_full_checks(
    name, tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSE_PROFILE", "pretrained")  # overrides the notebook's PROFILE
    executed = execute_notebook(  # raises if any cell fails, its checks included
        NOTEBOOKS / f"{name}.ipynb",
        tmp_path / f"{name}.ipynb",
        {"OUTPUT_DIR": str(tmp_path / "out")},
        cell_timeout_s=PRETRAINED_CELL_TIMEOUT_S,
    )
    seconds = executed.metadata.papermill.duration  # of the run that finished (see the helper)
    printed = "".join(
        output.get("text", "")
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    )
    assert "profile: pretrained" in printed
    assert "no training" in printed, "the pretrained profile should load weights, not train"
    limit = TIME_LIMIT_S.get(name, 60)
    assert seconds < limit, (
        f"{name} took {seconds:.0f} s in the pretrained profile (limit {limit} s)"
    )
    assert (tmp_path / "out" / "samples.safetensors").is_file()


@pytest.mark.parametrize("name", sorted(set(SETTINGS) - set(SHIPPED_CHECKPOINTS)))
def test_pretrained_without_shipped_weights_is_the_quick_run(name):
    # These notebooks train in the pretrained profile exactly as in the quick one, whose run under
    # nbval (make test) is therefore their pretrained run too: the same settings and thresholds.
    with pytest.warns(UserWarning, match="ships no pretrained checkpoint"):
        pretrained = notebook_settings(name, "pretrained")
    assert {**pretrained, "profile": "quick"} == dict(notebook_settings(name, "quick"))
