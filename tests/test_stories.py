"""Procedural stories: one object per frame that stays, each frame with its sentence."""

import pytest
import torch

from course_utils.data import (
    NAMED_COLOURS,
    SENTENCE_LENGTH,
    SHAPES,
    STORY_PLACES,
    STORY_SIZES,
    STORY_VOCABULARY,
    draw_scenes,
    make_stories,
    story_sentence,
)


@pytest.fixture(scope="module")
def stories():
    return make_stories(300, seed=4)


def test_stories_have_the_documented_layout_and_are_seeded(stories):
    assert stories.images.shape == (300, 4, 3, 32, 32) and len(stories) == 300
    assert stories.objects.shape == stories.stated.shape == (300, 4, 4)
    assert stories.tokens.shape == (300, 4, SENTENCE_LENGTH)
    assert stories.scenes.shape == (300, 4, len(STORY_PLACES), 3)
    assert stories.images.min() >= -1 and stories.images.max() <= 1
    again = make_stories(300, seed=4)
    assert torch.equal(again.images, stories.images) and torch.equal(again.tokens, stories.tokens)
    assert not torch.equal(make_stories(300, seed=5).images, stories.images)
    big = make_stories(3, frames=6, size=64, seed=0)
    assert big.images.shape == (3, 6, 3, 64, 64)


def test_every_attribute_value_occurs_and_places_do_not_repeat(stories):
    for column, values in enumerate((SHAPES, NAMED_COLOURS, STORY_SIZES, STORY_PLACES)):
        assert set(stories.objects[..., column].unique().tolist()) == set(range(len(values)))
    places = stories.objects[..., 3]
    assert all(len(set(story.tolist())) == 4 for story in places)


def test_objects_appear_one_per_frame_and_stay_unchanged(stories):
    drawn = (stories.images > -1).any(2)  # (N, T, H, W): coloured pixels
    assert not drawn[:, 0].all((1, 2)).any()  # frame 0 is not filled
    # Every frame keeps all the pixels of the frame before, exactly, and adds new ones.
    assert torch.equal(
        stories.images[:, 1:][drawn[:, :-1, None].expand(-1, -1, 3, -1, -1)],
        stories.images[:, :-1][drawn[:, :-1, None].expand(-1, -1, 3, -1, -1)],
    )
    assert (drawn[:, 1:].sum((2, 3)) > drawn[:, :-1].sum((2, 3))).all()
    # The new object is in its grid cell, with its named colour at its centre.
    cell = 32 / 3
    for story in range(5):
        for t in range(4):
            shape, colour, _, place = stories.objects[story, t].tolist()
            y, x = int((place // 3 + 0.5) * cell), int((place % 3 + 0.5) * cell)
            expected = torch.tensor(list(NAMED_COLOURS.values())[colour]) * 2 - 1
            assert torch.allclose(stories.images[story, t, :, y, x], expected, atol=1e-5)
            if t:
                assert (stories.images[story, t - 1, :, y, x] == -1).all()


def test_anti_aliased_edges():
    images = make_stories(20, seed=1).images
    partial = (images > -0.99) & (images < -0.01)
    assert partial.any()


def test_sentences_state_what_is_drawn_and_leave_out_what_stated_says(stories):
    for story in range(40):
        for t in range(4):
            shape, colour, size, place = stories.objects[story, t].tolist()
            words = stories.sentence(story, t).rstrip(".").split()
            assert SHAPES[shape] in words and words[0] == "a"
            assert STORY_PLACES[place].split()[-1] in words
            said_colour, said_size = stories.stated[story, t, 1:3].tolist()
            assert (list(NAMED_COLOURS)[colour] in words) == said_colour
            assert (STORY_SIZES[size] in words) == said_size
            assert not set(words) & (set(NAMED_COLOURS) - {list(NAMED_COLOURS)[colour]})
    assert stories.stated[..., [0, 3]].all()  # shape and place are always said
    left_out = 1 - stories.stated[..., 1:3].float().mean().item()
    assert 0.15 < left_out < 0.35  # omit = 0.25
    assert make_stories(50, omit=0.0, seed=2).stated.all()


def test_tokens_are_the_sentence_padded_with_zeros(stories):
    words = story_sentence(0, 0, 1, len(STORY_PLACES) - 1)
    assert " ".join(words) == "a big red circle appears at the bottom right ."
    assert len(words) == SENTENCE_LENGTH
    assert story_sentence(2, None, None, 4) == [
        "a",
        "triangle",
        "appears",
        "in",
        "the",
        "middle",
        ".",
    ]
    tokens = stories.tokens
    lengths = (tokens > 0).sum(-1)
    assert ((tokens > 0).cumprod(-1).sum(-1) == lengths).all()  # no gaps before the padding
    assert tokens.max() < len(STORY_VOCABULARY)
    assert (tokens.gather(-1, (lengths - 1).unsqueeze(-1)) == STORY_VOCABULARY.index(".")).all()


def test_scenes_say_what_is_where_in_each_frame(stories):
    for story in range(20):
        for t in range(4):
            present = (stories.scenes[story, t, :, 0] >= 0).nonzero().squeeze(1).tolist()
            assert sorted(present) == sorted(stories.objects[story, : t + 1, 3].tolist())
            for k in range(t + 1):
                shape, colour, size, place = stories.objects[story, k].tolist()
                assert stories.scenes[story, t, place].tolist() == [shape, colour, size]


def test_frames_are_drawn_from_their_scene_tables(stories):
    assert torch.equal(draw_scenes(stories.scenes), stories.images)
    # A scene changed by hand draws what it says: an empty table is black, one object is alone.
    empty = torch.full((2, len(STORY_PLACES), 3), -1)
    assert (draw_scenes(empty) == -1).all()
    one = empty[:1].clone()
    one[0, 4] = torch.tensor([1, 0, 1])  # a big red square in the middle
    image = draw_scenes(one, 48)[0]
    assert image.shape == (3, 48, 48) and torch.allclose(
        image[:, 24, 24], torch.tensor([0.8, -0.8, -0.8])
    )
    assert (image[:, :14] == -1).all() and (image[:, 34:] == -1).all()
    with pytest.raises(ValueError, match="9×3"):
        draw_scenes(torch.zeros(2, 8, 3, dtype=torch.long))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n"),
        ({"n": 2, "frames": 0}, "frames"),
        ({"n": 2, "frames": 10}, "at most 9"),
        ({"n": 2, "size": 16}, "size"),
        ({"n": 2, "omit": 1.0}, "omit"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_stories(**kwargs)
