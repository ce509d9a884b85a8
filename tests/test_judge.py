"""The course's digit judge: accurate on held-out digits, and its distance sees collapse."""

import json

import pytest
import torch

from course_utils import judge as judge_module
from course_utils import shipped
from course_utils.checkpoint import CheckpointError
from course_utils.judge import (
    accuracy,
    collapsed_reference,
    frechet_distance,
    judge_split,
    load_judge,
)


@pytest.fixture(scope="module")
def judge():
    return load_judge()


@pytest.fixture(scope="module")
def split():
    return judge_split()


def test_held_out_accuracy_is_at_least_97_percent(judge, split):
    _, _, x_test, y_test = split
    result = accuracy(judge, x_test, y_test)
    assert result.overall >= 0.97, result
    assert result.worst >= 0.9, result


def test_distance_orders_real_good_collapsed_noise(judge, split):
    x_train, y_train, x_test, _ = split
    generator = torch.Generator().manual_seed(0)
    real = x_train[torch.randperm(len(x_train), generator=generator)[:1000]]
    # A good but imperfect "generator": real digits, each moved by a pixel and slightly faded.
    good = torch.roll(real, shifts=(1, 1), dims=(2, 3)) * 0.9 - 0.1
    collapsed, collapsed_labels = collapsed_reference(x_train, y_train, 100)
    noise = torch.rand(1000, 1, 28, 28, generator=generator) * 2 - 1
    distances = [frechet_distance(judge, x, x_test) for x in (real, good, collapsed, noise)]
    assert distances == sorted(distances) and len(set(distances)) == 4, distances
    # Accuracy cannot see the collapse: the collapsed reference draws every class perfectly.
    assert accuracy(judge, collapsed, collapsed_labels).overall >= 0.9


def test_collapsed_reference_repeats_one_digit_per_class(split):
    x_train, y_train, _, _ = split
    images, labels = collapsed_reference(x_train, y_train, 5)
    assert labels.tolist() == [c for c in range(10) for _ in range(5)]
    assert len(torch.unique(images.flatten(1), dim=0)) == 10


def test_bad_inputs_raise_clear_errors(judge):
    with pytest.raises(ValueError, match="N×1×28×28"):
        frechet_distance(judge, torch.zeros(4, 1, 32, 32), torch.zeros(4, 1, 28, 28))
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(judge, torch.zeros(1, 1, 28, 28), torch.zeros(4, 1, 28, 28))
    with pytest.raises(ValueError, match="every class"):
        accuracy(judge, torch.zeros(3, 1, 28, 28), torch.tensor([0, 1, 2]))


def test_a_damaged_shipped_checkpoint_is_refused(tmp_path, monkeypatch):
    source = shipped.CHECKPOINT_DIR / "digit_judge.safetensors"
    damaged = tmp_path / "digit_judge.safetensors"
    damaged.write_bytes(source.read_bytes()[:-1] + b"\0")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(shipped.MANIFEST.read_text())
    monkeypatch.setattr(shipped, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(shipped, "MANIFEST", manifest)
    with pytest.raises(CheckpointError, match="does not match the manifest"):
        load_judge()
    damaged.unlink()
    with pytest.raises(CheckpointError, match="missing"):
        load_judge()
    manifest.write_text(json.dumps({}))
    with pytest.raises(CheckpointError, match="no shipped checkpoint"):
        load_judge()


def test_only_notebooks_with_shipped_weights_can_be_rebuilt():
    with pytest.raises(ValueError, match="dcgan"):
        shipped.build_from_notebook("digit_judge")  # rebuilt by `python -m course_utils.judge`


def test_build_all_rebuilds_every_notebook_checkpoint(monkeypatch):
    built = []
    monkeypatch.setattr(shipped, "build_from_notebook", lambda name, kernel: built.append(name))
    assert shipped.main(["--build-all"]) == 0
    assert built == list(shipped.FROM_NOTEBOOKS) and "pix2pix" in built


def test_every_shipped_checkpoint_matches_the_manifest_and_is_small():
    entries = shipped.read_manifest()
    assert "digit_judge.safetensors" in entries
    for name, entry in entries.items():
        path = shipped.CHECKPOINT_DIR / name
        assert path.stat().st_size == entry["bytes"] <= shipped.MAX_BYTES
    assert shipped.main([]) == 0
    assert judge_module.JUDGE_NAME == "digit_judge"


def test_compare_with_references_ranks_real_digits_above_the_collapsed_reference(split, capsys):
    from course_utils.judge import compare_with_references

    x_train, y_train, _, _ = split
    generated = {"real as samples": (x_train[:500], y_train[:500])}
    rows = compare_with_references(load_judge(), generated)
    assert list(rows) == ["real", "real as samples", "collapsed"]
    assert rows["real as samples"].distance < 0.5 * rows["collapsed"].distance
    assert rows["collapsed"].accuracy.overall >= 0.9  # accuracy alone cannot tell them apart
    assert "Fréchet distance" in capsys.readouterr().out


def test_compare_with_references_needs_something_to_grade():
    from course_utils.judge import compare_with_references

    with pytest.raises(ValueError, match="at least one"):
        compare_with_references(load_judge(), {})
