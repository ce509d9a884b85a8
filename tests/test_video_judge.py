"""The video judge: recognises actions on held-out clips, and its distance sees collapse."""

import warnings

import pytest
import torch

from course_utils.data import make_sprite_clips
from course_utils.video import colour_measures, motion_measures
from course_utils.video_judge import (
    action_accuracy,
    collapsed_clips,
    compare_with_references,
    frechet_distance,
    frechet_from_features,
    heldout_clips,
    load_video_judge,
    predict_shapes,
)


@pytest.fixture(scope="module")
def judge():
    return load_video_judge()


@pytest.fixture(scope="module")
def real():
    return heldout_clips(400)


@pytest.mark.parametrize("frames", [4, 8, 16])
def test_held_out_action_accuracy_is_at_least_98_percent_at_every_length(judge, frames):
    real = heldout_clips(300, frames=frames)
    assert action_accuracy(judge, real.videos, real.actions) >= 0.98


def test_held_out_shape_accuracy_is_at_least_75_percent(judge, real):
    # 10 reads the sprite's shape from the judge to measure disentanglement (chance: 1 in 3)
    assert (predict_shapes(judge, real.videos) == real.shapes).float().mean() >= 0.75


def test_distance_ranks_real_clips_first_and_noise_last(judge, real):
    reference, others = real.videos[::2], real.videos[1::2]
    good = make_sprite_clips(200, seed=7).videos
    frozen = others[:, :1].expand(-1, 8, -1, -1, -1)  # the first frame held: no motion at all
    collapsed = collapsed_clips(heldout_clips(400), 50).videos
    noise = torch.rand(200, 8, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    real_d, frozen_d, collapsed_d, noise_d = (
        frechet_distance(judge, x, reference) for x in (others, frozen, collapsed, noise)
    )
    # Clips without motion and clips without variety are both far from real, noise farthest.
    assert real_d < 0.1 * min(frozen_d, collapsed_d) and max(frozen_d, collapsed_d) < noise_d
    assert frechet_distance(judge, good, reference) < 0.2 * collapsed_d
    # Accuracy cannot see the collapse: each repeated clip is a real, correctly moving one.
    collapsed_set = collapsed_clips(real, 50)
    assert action_accuracy(judge, collapsed_set.videos, collapsed_set.actions) >= 0.95


def test_collapsed_clips_repeat_one_clip_per_action(real):
    collapsed = collapsed_clips(real, 3)
    assert collapsed.actions.tolist() == [a for a in range(4) for _ in range(3)]
    assert len(torch.unique(collapsed.videos.flatten(1), dim=0)) == 4


def test_frechet_from_features_is_zero_for_identical_sets_and_grows_with_a_shift():
    features = torch.randn(500, 4, generator=torch.Generator().manual_seed(1))
    assert frechet_from_features(features, features) == pytest.approx(0.0, abs=1e-6)
    assert frechet_from_features(features + 2.0, features) == pytest.approx(16.0, rel=1e-3)
    with pytest.raises(ValueError, match="at least 2"):
        frechet_from_features(features[:1], features)


def test_frechet_from_features_is_exact_and_quiet_for_singular_covariances():
    # six distinct rows repeated (a collapsed set) in 16 dimensions: a singular covariance
    generator = torch.Generator().manual_seed(0)
    collapsed = torch.randn(6, 16, generator=generator).repeat(20, 1)
    spread = torch.randn(200, 16, generator=generator)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's sqrtm warned "matrix is singular" here
        distance = frechet_from_features(collapsed, spread)
    assert distance > 0
    # diagonal covariances: the distance is |mean difference|² + Σ (std_a - std_b)²
    a = torch.randn(4000, 3, generator=generator) * torch.tensor([1.0, 2.0, 0.5])
    b = torch.randn(4000, 3, generator=generator) * torch.tensor([2.0, 1.0, 0.5]) + 1
    expected = (a.mean(0) - b.mean(0)).pow(2).sum() + (a.std(0) - b.std(0)).pow(2).sum()
    assert frechet_from_features(a, b) == pytest.approx(expected.item(), rel=0.02)


def test_compare_with_references_prints_and_ranks(judge, capsys):
    real = make_sprite_clips(200, seed=11)
    samples = make_sprite_clips(100, seed=12)
    rows = compare_with_references(
        judge, {"real as samples": (samples.videos, samples.actions)}, real
    )
    assert list(rows) == ["real", "real as samples", "collapsed"]
    assert rows["real as samples"].distance < 0.5 * rows["collapsed"].distance
    assert rows["collapsed"].accuracy >= 0.95
    assert "video Fréchet distance" in capsys.readouterr().out
    with pytest.raises(ValueError, match="at least one"):
        compare_with_references(judge, {}, real)


def test_every_distance_uses_as_many_clips_as_the_floor(judge):
    real = make_sprite_clips(202, seed=11)  # floor and reference: 101 clips each
    samples = make_sprite_clips(300, seed=12)
    rows = compare_with_references(judge, {"samples": (samples.videos, samples.actions)}, real)
    first_clips = {"first": (samples.videos[:101], samples.actions[:101])}
    first = compare_with_references(judge, first_clips, real)
    assert rows["samples"].distance == pytest.approx(first["first"].distance)
    assert rows["samples"].accuracy == action_accuracy(judge, samples.videos, samples.actions)
    with pytest.raises(ValueError, match="at least 101 clips"):
        compare_with_references(judge, {"few": (samples.videos[:50], samples.actions[:50])}, real)


@pytest.mark.parametrize("frames", [4, 16])
def test_distance_sees_frozen_and_collapsed_clips_of_other_lengths(judge, frames):
    real = heldout_clips(300, frames=frames)
    reference, others = real.videos[::2], real.videos[1::2]
    frozen = others[:, :1].expand(-1, frames, -1, -1, -1)
    collapsed = collapsed_clips(heldout_clips(300, frames=frames), 38).videos
    real_d, frozen_d, collapsed_d = (
        frechet_distance(judge, x, reference) for x in (others, frozen, collapsed)
    )
    assert real_d < 0.1 * min(frozen_d, collapsed_d)


def test_bad_inputs_raise_clear_errors(judge):
    with pytest.raises(ValueError, match="N×T×3×32×32 clips with T = 4 or 8 or 16"):
        frechet_distance(judge, torch.zeros(4, 8, 3, 16, 16), torch.zeros(4, 8, 3, 32, 32))
    with pytest.raises(ValueError, match="clips of 4 frames as in the reference, got 8"):
        frechet_distance(judge, torch.zeros(4, 8, 3, 32, 32), torch.zeros(4, 4, 3, 32, 32))


@pytest.mark.parametrize("measure", ["action_accuracy", "motion_measures", "colour_measures"])
def test_one_label_per_clip_is_asked_for_by_name(judge, measure):
    clips = make_sprite_clips(4, seed=5)
    read = {
        "action_accuracy": lambda labels: action_accuracy(judge, clips.videos, labels),
        "motion_measures": lambda labels: motion_measures(clips.videos, labels),
        "colour_measures": lambda labels: colour_measures(clips.videos, labels),
    }[measure]
    name = "colour_names" if measure == "colour_measures" else "actions"
    with pytest.raises(ValueError, match=rf"{name}: expected shape \(4,\), got \(3,\)"):
        read(torch.zeros(3, dtype=torch.long))
    with pytest.raises(TypeError, match=rf"{name}: expected a torch.Tensor, got list"):
        read([0, 1, 2, 3])
