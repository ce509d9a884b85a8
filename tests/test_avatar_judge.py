"""The avatar judge: knows the cast on held-out clips, reads the mouth and the head, and its
readings fail clips that lose the person or the motion."""

import pytest
import torch

from course_utils.avatar_judge import (
    AvatarJudge,
    clip_features,
    heldout_heads,
    identity_accuracy,
    load_avatar_judge,
    read_clips,
    read_motion,
)
from course_utils.avatars import CAST_SIZE, make_avatars, render_talking_heads
from course_utils.video_judge import frechet_from_features


@pytest.fixture(scope="module")
def judge():
    return load_avatar_judge()


@pytest.mark.parametrize("size", [32, 64])
def test_held_out_identity_and_motion_are_read_at_both_sizes(judge, size):
    real = heldout_heads(160, size=size)
    assert identity_accuracy(judge, real.videos, real.identity) >= 0.98
    mouth, turn = read_motion(judge, real.videos)
    assert (mouth - real.motion.mouth).abs().mean() < 0.08
    assert (turn - real.motion.yaw).abs().mean() < 0.08


def test_one_pass_reads_what_the_separate_readers_read(judge):
    real = heldout_heads(150)  # more than one batch of 100
    reading = read_clips(judge, real.videos)
    mouth, turn = read_motion(judge, real.videos)
    assert torch.equal(reading.mouth, mouth) and torch.equal(reading.turn, turn)
    assert torch.equal(reading.features, clip_features(judge, real.videos))
    assert reading.identity.shape == (150,) and reading.mouth.shape == (150, 8)
    # the features are the mean of each clip's frame features
    with torch.no_grad():
        frames = judge.frame_features(real.videos[:3])
    assert torch.allclose(reading.features[:3], frames.mean(1), atol=1e-5)


def test_an_untrained_judge_reads_nothing():
    real = heldout_heads(160)
    untrained = AvatarJudge().eval()
    assert identity_accuracy(untrained, real.videos, real.identity) < 0.2
    mouth, _ = read_motion(untrained, real.videos)
    assert (mouth - real.motion.mouth).abs().mean() > 0.15


def test_its_readings_see_another_person_a_frozen_mouth_and_a_collapse(judge):
    real = heldout_heads(320)
    cast = make_avatars()
    # the same motion on the next avatar: recognised as that avatar, not the asked one
    swapped = render_talking_heads(cast, (real.identity + 1) % CAST_SIZE, real.motion)
    assert identity_accuracy(judge, swapped.videos, real.identity) < 0.05
    # the mouth frozen shut: the reading no longer follows the speech signal
    frozen_motion = type(real.motion)(
        real.motion.mouth * 0, real.motion.blink, real.motion.yaw, real.motion.roll
    )
    frozen = render_talking_heads(cast, real.identity, frozen_motion, backdrops=real.backdrops)
    mouth, _ = read_motion(judge, frozen.videos)
    assert torch.corrcoef(torch.stack([mouth.flatten(), real.motion.mouth.flatten()]))[0, 1] < 0.3
    # one clip repeated is far from real clips in the judge's features; other real clips are near
    half = len(real) // 2
    reference = clip_features(judge, real.videos[half:])
    floor = frechet_from_features(clip_features(judge, real.videos[:half]), reference)
    collapsed = clip_features(judge, real.videos[:1].expand(half, -1, -1, -1, -1))
    assert frechet_from_features(collapsed, reference) > 5 * floor
    # what the distance hardly sees: every clip frozen on its first frame (the docstring's claim)
    still = clip_features(judge, real.videos[:half, :1].expand(-1, 8, -1, -1, -1))
    assert frechet_from_features(still, reference) < 1.2 * floor


def test_bad_clips_are_a_clear_error(judge):
    with pytest.raises(ValueError, match="N×T×C×H×W"):
        read_motion(judge, torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match="multiple of 32"):
        read_motion(judge, torch.zeros(2, 4, 3, 48, 48))
    with pytest.raises(ValueError, match="shape"):
        identity_accuracy(judge, torch.zeros(2, 4, 3, 32, 32), torch.zeros(3, dtype=torch.long))
