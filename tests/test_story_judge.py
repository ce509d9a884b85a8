"""The story judge reads what is where, and its measures see what a story model gets wrong."""

import pytest
import torch

from course_utils.data import NAMED_COLOURS, STORY_PLACES, STORY_SIZES, draw_scenes, make_stories
from course_utils.story_judge import (
    MIN_HELDOUT_ACCURACY,
    frame_features,
    frechet_distances,
    heldout_accuracies,
    load_story_judge,
    read_scenes,
    score_stories,
)


@pytest.fixture(scope="module")
def judge():
    return load_story_judge()


@pytest.fixture(scope="module")
def stories():
    return make_stories(200, seed=11)


def only_the_new_object(stories):
    """Each frame shows the object of its own sentence alone: nothing persists."""
    scenes = torch.full_like(stories.scenes, -1)
    n, frames = stories.objects.shape[:2]
    for t in range(frames):
        place = stories.objects[:, t, 3]
        scenes[torch.arange(n), t, place] = stories.objects[:, t, :3]
    return scenes


def unstated_redrawn(stories, seed=0):
    """Every frame redraws the colour and size that no sentence stated: objects persist,
    their unstated looks change."""
    generator = torch.Generator().manual_seed(seed)
    scenes = stories.scenes.clone()
    n, frames = stories.objects.shape[:2]
    for t in range(1, frames):
        for k in range(t):
            rows = torch.arange(n)
            place = stories.objects[:, k, 3]
            for column, choices in ((1, len(NAMED_COLOURS)), (2, len(STORY_SIZES))):
                unstated = ~stories.stated[:, k, column]
                new = torch.randint(0, choices, (n,), generator=generator)
                scenes[rows[unstated], t, place[unstated], column] = new[unstated]
    return scenes


def test_held_out_frames_are_read_correctly(judge):
    accuracies = heldout_accuracies(judge, 40)
    assert min(accuracies.values()) >= MIN_HELDOUT_ACCURACY, accuracies


def test_true_scenes_score_perfectly_and_the_judge_agrees(judge, stories):
    truth = score_stories(stories.scenes, stories)
    assert truth.agreement == truth.persistence == truth.consistency == 1.0
    read = score_stories(read_scenes(judge, stories.images), stories)
    assert min(read.agreement, read.persistence, read.consistency) >= 0.9


def test_forgetting_fails_persistence_and_redrawing_fails_consistency(judge, stories):
    forgetful = score_stories(only_the_new_object(stories), stories)
    assert forgetful.agreement == 1.0 and forgetful.persistence == 0.0
    redrawn = score_stories(unstated_redrawn(stories), stories)
    assert redrawn.agreement == redrawn.persistence == 1.0
    assert redrawn.consistency < 0.5  # chance: 1/6 for colour, 1/2 for size
    # The judge sees the same through the pictures.
    pictures = score_stories(read_scenes(judge, draw_scenes(unstated_redrawn(stories))), stories)
    assert pictures.persistence >= 0.9 and pictures.consistency < 0.5


def test_distances_rank_real_stories_first(judge):
    # A Fréchet distance from few samples is biased upwards (real vs real: 342 on frames from 500
    # stories, 162 from 1,000), so these use 1,000 stories.
    reference = make_stories(1000, seed=11).images
    other = make_stories(1000, seed=12)
    real_frames, real_stories = frechet_distances(judge, other.images, reference)
    forgetful = draw_scenes(only_the_new_object(other))
    bad_frames, bad_stories = frechet_distances(judge, forgetful, reference)
    assert real_frames < 0.2 * bad_frames and real_stories < 0.2 * bad_stories
    big = make_stories(1000, size=64, seed=13).images
    assert frechet_distances(judge, big, reference)[0] < 0.2 * bad_frames
    # the reference's features in place of its images: the same distances
    features = frame_features(judge, reference)
    assert frechet_distances(judge, forgetful, features) == (bad_frames, bad_stories)


def test_bad_input_raises_clear_errors(judge, stories):
    with pytest.raises(ValueError, match="32×32 or 64×64"):
        read_scenes(judge, torch.zeros(2, 3, 16, 16))
    with pytest.raises(ValueError, match="expected shape"):
        score_stories(torch.zeros(3, 4, len(STORY_PLACES), 3), stories)
    with pytest.raises(ValueError, match="same length"):
        frechet_distances(judge, stories.images[:, :3], stories.images)
    with pytest.raises(ValueError, match="at least 2 frames"):
        one = make_stories(5, frames=1)
        score_stories(one.scenes, one)
