import pytest
import torch

from course_utils.baselines import load_conditional_gan, sample_conditional_gan
from course_utils.judge import accuracy, load_judge


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
