"""Procedural sprite clips and the ground-truth measures of motion that read them."""

import pytest
import torch

from course_utils.data import (
    ACTION_DIRECTIONS,
    ACTIONS,
    CAPTION_LENGTH,
    CLIP_VOCABULARY,
    NAMED_COLOURS,
    SHAPES,
    make_sprite_clips,
)
from course_utils.video import (
    background_change,
    colour_measures,
    flicker,
    isolate_colour,
    mask_iou,
    motion_measures,
    sprite_masks,
    sprite_shown,
    variety,
)


@pytest.fixture(scope="module")
def clips():
    return make_sprite_clips(200, background="texture", seed=3)


def test_clips_have_the_documented_layout_and_are_seeded(clips):
    assert clips.videos.shape == (200, 8, 3, 32, 32)
    assert clips.masks.shape == (200, 8, 1, 32, 32)
    assert clips.positions.shape == (200, 8, 2) and clips.backgrounds.shape == (200, 3, 32, 32)
    assert clips.videos.min() >= -1 and clips.videos.max() <= 1 and len(clips) == 200
    assert set(clips.actions.tolist()) == set(range(len(ACTIONS)))
    again = make_sprite_clips(200, background="texture", seed=3)
    assert torch.equal(again.videos, clips.videos) and torch.equal(again.actions, clips.actions)
    assert not torch.equal(
        make_sprite_clips(200, background="texture", seed=4).videos, clips.videos
    )


def test_sprites_move_in_the_labelled_direction_at_their_speed_inside_the_frame(clips):
    steps = clips.positions[:, 1:] - clips.positions[:, :-1]  # (N, T-1, 2)
    expected = ACTION_DIRECTIONS[clips.actions][:, None] * clips.speeds[:, None, None]
    assert torch.allclose(steps, expected.expand_as(steps), atol=1e-4)
    assert clips.positions.min() > 0 and clips.positions.max() < 32
    assert (clips.masks.sum((2, 3, 4)) > 0).all()  # the sprite is visible in every frame


def test_the_background_is_still_and_shows_where_the_sprite_is_not(clips):
    # A pixel two pixels or more away from the sprite's mask shows the background, unchanged.
    near = torch.nn.functional.max_pool2d(clips.masks.flatten(0, 1), 5, 1, 2).view_as(clips.masks)
    away = (near == 0).expand_as(clips.videos)
    difference = (clips.videos - clips.backgrounds[:, None]).abs()
    assert difference.masked_select(away).max() < 1e-5
    black = make_sprite_clips(20, seed=1)
    assert (black.backgrounds == -1).all()


def test_colour_masks_recover_the_true_masks(clips):
    assert mask_iou(sprite_masks(clips.videos), clips.masks) > 0.9


def test_measures_tell_real_motion_from_shuffled_frames(clips):
    real = motion_measures(clips.videos, clips.actions)
    assert real.direction_accuracy == 1.0 and 1.0 <= real.speed <= 2.0
    assert real.jerk < 0.5 and real.area_change < 0.1 and real.visible == 1.0
    # Frames drawn from different clips: the "video" of a frame-by-frame generator.
    shuffled = clips.videos[torch.randint(0, 200, (200, 8)), torch.arange(8)]
    broken = motion_measures(shuffled, clips.actions)
    assert broken.direction_accuracy < 0.5 and broken.jerk > 5 * real.jerk
    assert flicker(shuffled) > 3 * flicker(clips.videos)
    assert background_change(shuffled) > 10 * background_change(clips.videos)
    assert background_change(clips.videos) < 0.01  # only the sprites' anti-aliased edges


def test_mask_iou_counts_a_missing_sprite_as_a_miss():
    empty = torch.zeros(2, 3, 1, 4, 4)
    assert mask_iou(empty, empty) == 0.0
    full = torch.ones(2, 3, 1, 4, 4)
    assert mask_iou(full, full) == 1.0
    with pytest.raises(ValueError, match="one shape"):
        mask_iou(full, torch.ones(2, 3, 1, 4, 5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n"),
        ({"n": 2, "frames": 1}, "frames"),
        ({"n": 2, "size": 8}, "size"),
        ({"n": 2, "speed": (2.0, 1.0)}, "speed"),
        ({"n": 2, "frames": 16, "speed": (3.0, 4.0)}, "leaves"),
        ({"n": 2, "colours": "pastel"}, "colours"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sprite_clips(**kwargs)


def test_measures_reject_images_that_are_not_clips():
    with pytest.raises(ValueError, match="N×T×C×H×W"):
        flicker(torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="colour"):
        sprite_masks(torch.zeros(2, 4, 1, 8, 8))
    with pytest.raises(ValueError, match="actions"):
        motion_measures(torch.zeros(2, 4, 3, 8, 8), torch.zeros(3, dtype=torch.long))


def test_a_sprite_is_shown_when_solid_and_not_when_dotted_or_missing(clips):
    assert sprite_shown(clips.videos).all()
    assert motion_measures(clips.videos, clips.actions).shown == 1.0
    # The checkerboard of a transposed convolution: every other pixel of the sprite dark.
    yy, xx = torch.meshgrid(torch.arange(32), torch.arange(32), indexing="ij")
    black = make_sprite_clips(50, seed=2).videos
    dotted = torch.where((yy + xx) % 2 == 0, black, -1.0)
    assert not sprite_shown(dotted).any()
    assert motion_measures(dotted, torch.zeros(50, dtype=torch.long)).visible == 1.0  # not enough
    empty = torch.full_like(black, -1.0)
    assert not sprite_shown(empty).any()
    one_frame_missing = black.clone()
    one_frame_missing[:, 3] = -1.0
    assert not sprite_shown(one_frame_missing).any()
    coloured_all_over = black.clone()
    coloured_all_over[..., 0, :, :] = 1.0
    assert not sprite_shown(coloured_all_over).any()


@pytest.mark.parametrize("frames", [4, 8, 16])
def test_clips_of_any_length_keep_the_default_speed_inside_the_frame(frames):
    clips = make_sprite_clips(100, frames=frames, background="gradient", seed=5)
    assert clips.videos.shape == (100, frames, 3, 32, 32)
    travel = clips.speeds * (frames - 1)
    assert travel.max() <= 14.0 and clips.positions.min() > 0 and clips.positions.max() < 32
    assert (clips.masks.sum((2, 3, 4)) > 0).all()


def test_named_colours_and_captions_say_what_the_clip_shows():
    clips = make_sprite_clips(300, colours="named", seed=6)
    palette = torch.tensor(list(NAMED_COLOURS.values()))
    assert torch.allclose(clips.colours, palette[clips.colour_names])
    assert set(clips.colour_names.tolist()) == set(range(len(NAMED_COLOURS)))
    assert clips.tokens.shape == (300, CAPTION_LENGTH)
    for k in range(5):
        words = clips.caption(k).rstrip(".").split()
        assert words == [
            "a",
            list(NAMED_COLOURS)[clips.colour_names[k]],
            SHAPES[clips.shapes[k]],
            "moves",
            ACTIONS[clips.actions[k]],
        ]
    assert clips.tokens.max() < len(CLIP_VOCABULARY)
    # any hue: the caption names the palette colour nearest in hue, the same one the pixels read
    anyhue = make_sprite_clips(300, background="texture", seed=7)
    assert colour_measures(anyhue.videos, anyhue.colour_names).agreement > 0.99


@pytest.mark.parametrize("frames", [4, 16])
def test_colour_measures_see_a_wrong_colour_and_colour_drift(frames):
    clips = make_sprite_clips(300, frames=frames, background="texture", colours="named", seed=8)
    real = colour_measures(clips.videos, clips.colour_names)
    assert real.agreement == 1.0 and real.drift == 0.0
    wrong_name = colour_measures(clips.videos, (clips.colour_names + 1) % len(NAMED_COLOURS))
    assert wrong_name.agreement == 0.0
    # frames from different clips: the sprite's colour changes from frame to frame
    shuffled = clips.videos[torch.randint(0, 300, (300, frames)), torch.arange(frames)]
    broken = colour_measures(shuffled, clips.colour_names)
    assert broken.agreement < 0.3 and broken.drift > 0.9
    with pytest.raises(ValueError, match="NAMED_COLOURS"):
        colour_measures(clips.videos, torch.full((300,), len(NAMED_COLOURS)))
    with pytest.raises(ValueError, match="colour_names"):
        colour_measures(clips.videos, clips.colour_names[:5])


def test_variety_is_zero_for_one_clip_per_label_and_reads_captions_as_labels():
    clips = make_sprite_clips(120, colours="named", seed=9)
    real = variety(clips.videos, clips.actions)
    assert real > 0
    first_of_each = torch.stack([torch.nonzero(clips.actions == a)[0, 0] for a in clips.actions])
    collapsed = clips.videos[first_of_each]  # right labels, one clip per label
    assert variety(collapsed, clips.actions) == 0.0
    # grouped by caption, a clip's neighbours are fewer and farther than grouped by action alone
    assert variety(clips.videos, clips.tokens) > real
    # a label held by one clip is skipped, not compared with clips of other labels
    unique_first = torch.cat([clips.actions[:1] + 10, clips.actions[1:]])
    without_first = variety(clips.videos[1:], clips.actions[1:])
    assert variety(clips.videos, unique_first) == pytest.approx(without_first)
    with pytest.raises(ValueError, match=r"expected shape \(120,\)"):
        variety(clips.videos, clips.actions[:5])
    with pytest.raises(ValueError, match="needs pairs"):
        variety(clips.videos[:4], torch.arange(4))


def test_clips_of_two_sprites_keep_them_apart_and_caption_both():
    pair = make_sprite_clips(200, colours="named", objects=2, seed=10)
    assert pair.objects == 2 and pair.tokens.shape == (200, 2 * CAPTION_LENGTH)
    assert pair.actions.shape == (200, 2) and pair.positions.shape == (200, 2, 8, 2)
    assert (pair.colour_names[:, 0] != pair.colour_names[:, 1]).all()
    # each sprite's caption is the one-sprite caption of its attributes, joined by "and"
    phrases = pair.caption(0).rstrip(".").split(" and ")
    for k, phrase in enumerate(phrases):
        assert phrase.split() == [
            "a",
            list(NAMED_COLOURS)[pair.colour_names[0, k]],
            SHAPES[pair.shapes[0, k]],
            "moves",
            ACTIONS[pair.actions[0, k]],
        ]
    # the two paths never touch, and each sprite moves in its labelled direction
    gap = (pair.positions[:, 0] - pair.positions[:, 1]).norm(dim=-1).amin(1)
    assert gap.min() >= 2.4 * 0.14 * 32 + 1.0
    steps = pair.positions[:, :, 1:] - pair.positions[:, :, :-1]
    expected = ACTION_DIRECTIONS[pair.actions][:, :, None] * pair.speeds[:, :, None, None]
    assert torch.allclose(steps, expected, atol=1e-4)
    # one sprite: the same clips as before objects= existed (its default leaves them unchanged)
    single = make_sprite_clips(50, colours="named", objects=1, seed=10)
    assert torch.equal(single.videos, make_sprite_clips(50, colours="named", seed=10).videos)
    assert single.objects == 1 and single.tokens.shape == (50, CAPTION_LENGTH)
    with pytest.raises(ValueError, match="colours='named'"):
        make_sprite_clips(10, objects=2)
    with pytest.raises(ValueError, match="objects"):
        make_sprite_clips(10, colours="named", objects=3)


def test_isolating_a_colour_leaves_that_sprite_alone():
    pair = make_sprite_clips(100, background="texture", colours="named", objects=2, seed=11)
    for k in range(2):
        alone = isolate_colour(pair.videos, pair.colour_names[:, k])
        # its colour alone in every frame; the other sprite and the backdrop are black
        assert colour_measures(alone, pair.colour_names[:, k]).agreement == 1.0
        assert sprite_shown(alone).all()
        shown = sprite_masks(alone)
        assert mask_iou(shown, sprite_masks(pair.videos) * shown) == 1.0
        assert motion_measures(alone, pair.actions[:, k]).direction_accuracy > 0.99
    # a colour that is not in the clip leaves nothing
    palette = set(range(len(NAMED_COLOURS)))
    absent = torch.tensor([min(palette - set(names)) for names in pair.colour_names.tolist()])
    assert (isolate_colour(pair.videos, absent) == -1).all()
    # both colours at once: the same clips as one colour at a time
    both = isolate_colour(pair.videos, pair.colour_names)
    assert both.shape == (2, *pair.videos.shape)
    assert torch.equal(both[1], isolate_colour(pair.videos, pair.colour_names[:, 1]))
    with pytest.raises(ValueError, match="NAMED_COLOURS"):
        isolate_colour(pair.videos, torch.full((100,), -1))
    with pytest.raises(ValueError, match=r"\(N,\) or \(N, K\)"):
        isolate_colour(pair.videos, pair.colour_names[..., None])
