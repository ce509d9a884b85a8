"""Procedural avatars: distinct identities, motions in range, and pixels that follow them."""

import numpy as np
import pytest
import torch

from course_utils.avatars import (
    CAST_SIZE,
    MAX_ROLL,
    MAX_YAW,
    MOUTH_COLOUR,
    HeadMotion,
    make_avatars,
    make_head_motion,
    make_talking_heads,
    render_talking_heads,
)


def test_avatars_differ_in_skin_hair_or_style_and_are_seeded():
    cast = make_avatars()
    assert len(cast) == CAST_SIZE
    looks = set(
        zip(cast.skin.tolist(), cast.hair_colour.tolist(), cast.hair_style.tolist(), strict=True)
    )
    assert len(looks) == CAST_SIZE
    assert np.array_equal(make_avatars(seed=3).face_width, make_avatars(seed=3).face_width)
    assert not np.array_equal(make_avatars(seed=3).face_width, cast.face_width)
    assert cast.describe(0).startswith("avatar 0: ")
    assert len(make_avatars(75)) == 75
    with pytest.raises(ValueError, match="at most 75"):
        make_avatars(76)
    with pytest.raises(ValueError, match="k"):
        make_avatars(0)


def test_head_motion_stays_in_range_and_speaks_in_syllables():
    motion = make_head_motion(200, frames=16, seed=1)
    assert motion.mouth.shape == motion.yaw.shape == (200, 16)
    assert 0 <= motion.mouth.min() and motion.mouth.max() <= 1
    assert motion.yaw.abs().max() <= MAX_YAW and motion.roll.abs().max() <= MAX_ROLL
    # every clip says something, and pauses: its mouth opens and closes
    assert (motion.mouth.max(1).values >= 0.3).all()
    assert (motion.mouth.min(1).values < 0.3).all()
    # about half the clips blink, once
    assert 0.35 < (motion.blink.sum(1) == 1).float().mean() < 0.65
    assert torch.equal(make_head_motion(5, seed=2).mouth, make_head_motion(5, seed=2).mouth)


def _still(n, frames=2, **values):
    """A motion with every field zero but those given (one value for all frames)."""
    zeros = torch.zeros(n, frames)
    return HeadMotion(
        *(zeros + values.get(name, 0.0) for name in ("mouth", "blink", "yaw", "roll"))
    )


def _mouth_pixels(videos):
    """N×T: pixels near the colour of the inside of the mouth."""
    colour = torch.from_numpy(MOUTH_COLOUR * 2 - 1).view(1, 1, 3, 1, 1)
    return ((videos - colour).abs().max(2).values < 0.15).sum((2, 3))


def _white_pixels(videos):
    """N×T: pixels of the whites of the eyes (every channel bright)."""
    return (videos.min(2).values > 0.85).sum((2, 3))


def _mouth_column(videos):
    """N×T: the mean column of the mouth's inside."""
    colour = torch.from_numpy(MOUTH_COLOUR * 2 - 1).view(1, 1, 3, 1, 1)
    inside = ((videos - colour).abs().max(2).values < 0.15).float()  # (N, T, H, W)
    columns = torch.arange(videos.shape[-1]).float()
    return (inside.sum(2) * columns).sum(-1) / inside.sum((2, 3))


def test_pixels_follow_the_mouth_the_eyes_and_the_head():
    cast, everyone = make_avatars(), np.arange(CAST_SIZE)
    shut = render_talking_heads(cast, everyone, _still(CAST_SIZE), size=64).videos
    open_ = render_talking_heads(cast, everyone, _still(CAST_SIZE, mouth=1.0), size=64).videos
    assert (_mouth_pixels(open_) > _mouth_pixels(shut) + 20).all()
    # a blink hides the whites of the eyes
    blink = render_talking_heads(cast, everyone, _still(CAST_SIZE, blink=1.0), size=64).videos
    assert (_white_pixels(blink) < _white_pixels(shut) / 3).all()
    # turning the head to the right slides the open mouth to the right
    turned = render_talking_heads(
        cast, everyone, _still(CAST_SIZE, mouth=1.0, yaw=MAX_YAW), size=64
    ).videos
    assert (_mouth_column(turned) > _mouth_column(open_) + 1).all()


def test_the_same_motion_on_another_avatar_changes_who_not_what():
    clips = make_talking_heads(12, size=32, seed=4)
    other = (clips.identity + 1) % CAST_SIZE
    swapped = render_talking_heads(make_avatars(), other, clips.motion, backdrops=clips.backdrops)
    assert torch.equal(swapped.identity, other) and swapped.motion is clips.motion
    assert not torch.equal(swapped.videos, clips.videos)
    # the backdrop (a corner pixel) and the mouth's motion are the clip's own
    assert torch.allclose(swapped.videos[..., 0, 0], clips.videos[..., 0, 0])
    openings = torch.stack([_mouth_pixels(clips.videos), _mouth_pixels(swapped.videos)]).float()
    assert torch.corrcoef(openings.flatten(1))[0, 1] > 0.8


def test_talking_heads_are_seeded_and_shaped():
    clips = make_talking_heads(6, frames=5, size=48, seed=7)
    assert clips.videos.shape == (6, 5, 3, 48, 48) and len(clips) == 6
    assert -1 <= clips.videos.min() and clips.videos.max() <= 1
    assert torch.equal(clips.videos, make_talking_heads(6, frames=5, size=48, seed=7).videos)
    assert torch.equal(make_talking_heads(3, identity=[2, 2, 5]).identity, torch.tensor([2, 2, 5]))


def test_bad_input_is_a_clear_error():
    cast, motion = make_avatars(), make_head_motion(3)
    with pytest.raises(ValueError, match="0 to 15"):
        render_talking_heads(cast, [0, 1, 16], motion)
    with pytest.raises(ValueError, match="one avatar per clip"):
        render_talking_heads(cast, [0, 1], motion)
    with pytest.raises(ValueError, match="avatar indices"):
        render_talking_heads(cast, torch.tensor([0.0, 1.0, 2.0]), motion)
    with pytest.raises(ValueError, match=r"backdrops: expected shape \(3, 3\)"):
        render_talking_heads(cast, [0, 1, 2], motion, backdrops=torch.zeros(3, 4))
    with pytest.raises(ValueError, match="frames"):
        make_head_motion(3, frames=1)
