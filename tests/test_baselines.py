import pytest
import torch

from course_utils.baselines import (
    load_conditional_gan,
    load_mocogan,
    sample_conditional_gan,
    sample_mocogan,
)
from course_utils.judge import accuracy, load_judge
from course_utils.video_judge import action_accuracy, load_video_judge


def test_the_conditional_gan_of_05_loads_and_draws_the_requested_digits():
    generator = load_conditional_gan()
    labels = torch.arange(10).repeat_interleave(20)
    images = sample_conditional_gan(generator, labels, seed=0)
    assert images.shape == (200, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    assert torch.equal(images, sample_conditional_gan(generator, labels, seed=0))  # seeded
    assert accuracy(load_judge(), images, labels).overall > 0.9  # 05's shipped weights, not noise


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (torch.tensor([0.0, 1.0]), "long tensor"),
        (torch.zeros(2, 2, dtype=torch.long), "1-D"),
        (torch.tensor([3, 10]), "classes 0-9"),
        ([1, 2], "torch.Tensor"),
    ],
)
def test_sampling_the_gan_rejects_bad_labels(labels, message):
    with pytest.raises((ValueError, TypeError), match=message):
        sample_conditional_gan(load_conditional_gan(), labels)


def test_the_mocogan_of_10_loads_and_draws_the_requested_actions():
    generator = load_mocogan()
    actions = torch.arange(4).repeat(50)
    clips = sample_mocogan(generator, actions, seed=0)
    assert clips.shape == (200, 8, 3, 32, 32) and clips.min() >= -1 and clips.max() <= 1
    assert torch.equal(clips, sample_mocogan(generator, actions, seed=0))  # seeded
    assert not torch.equal(clips, sample_mocogan(generator, actions, seed=1))
    # 10's shipped weights, not noise: the video judge reads the asked motion
    assert action_accuracy(load_video_judge("cpu"), clips, actions) > 0.9
    with pytest.raises(ValueError, match="classes 0-3"):
        sample_mocogan(generator, torch.tensor([0, 4]))
