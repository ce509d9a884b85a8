import math

import pytest
import torch
import torch.nn.functional as F

from course_utils.metrics import gradient_energy, psnr, sliced_wasserstein, ssim


@pytest.fixture
def images():
    generator = torch.Generator().manual_seed(0)
    smooth = F.avg_pool2d(torch.rand(4, 1, 40, 40, generator=generator), 3, 1, 1)
    return smooth * 2 - 1


def test_psnr_matches_its_definition(images):
    noisy = (images + 0.1).clamp(-1, 1)
    mse = (noisy - images).pow(2).mean(dim=(1, 2, 3))
    assert psnr(noisy, images) == pytest.approx(10 * torch.log10(4 / mse), rel=1e-5)
    assert psnr(images, images).isinf().all() or (psnr(images, images) > 100).all()


def test_psnr_is_per_image_and_orders_by_noise(images):
    small, large = images + 0.01, images + 0.1
    assert psnr(small.clamp(-1, 1), images).shape == (4,)
    assert (psnr(small.clamp(-1, 1), images) > psnr(large.clamp(-1, 1), images)).all()


def test_ssim_is_one_for_identical_images_and_lower_for_noise(images):
    assert ssim(images, images) == pytest.approx(torch.ones(4), abs=1e-5)
    noisy = (images + 0.3 * torch.randn_like(images)).clamp(-1, 1)
    assert (ssim(noisy, images) < 0.9).all()


def test_ssim_small_images_need_a_small_window():
    tiny = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match="at least 11×11.*smaller odd kernel_size"):
        ssim(tiny, tiny)
    assert ssim(tiny, tiny, kernel_size=7).shape == (2,)
    with pytest.raises(ValueError, match="odd integer"):
        ssim(tiny, tiny, kernel_size=4)


def test_gradient_energy_sees_blur_but_not_shift(images):
    blurred = F.avg_pool2d(images, 5, 1, 2)
    shifted = torch.roll(images, 1, dims=3)
    assert (gradient_energy(blurred) < 0.5 * gradient_energy(images)).all()
    assert gradient_energy(shifted) == pytest.approx(gradient_energy(images), rel=0.1)


@pytest.mark.parametrize(
    "pred, target, error, message",
    [
        (torch.zeros(2, 1, 16, 16), torch.zeros(2, 1, 8, 8), ValueError, "same shape"),
        (torch.zeros(1, 16, 16), torch.zeros(1, 16, 16), ValueError, "expected a N×C×H×W tensor"),
        (
            torch.full((1, 1, 16, 16), 3.0),
            torch.zeros(1, 1, 16, 16),
            ValueError,
            r"values in \[-1.0, 1.0\]",
        ),
        (
            torch.zeros(1, 1, 16, 16, dtype=torch.uint8),
            torch.zeros(1, 1, 16, 16),
            TypeError,
            "floating-point",
        ),
        ([[0.0]], torch.zeros(1, 1, 16, 16), TypeError, "expected a torch.Tensor, got list"),
        (torch.full((1, 1, 16, 16), math.nan), torch.zeros(1, 1, 16, 16), ValueError, "NaN or inf"),
    ],
)
def test_metrics_reject_bad_input(pred, target, error, message):
    with pytest.raises(error, match=message):
        psnr(pred, target)


def test_sliced_wasserstein_is_zero_for_the_same_points_and_measures_a_shift():
    points = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
    assert sliced_wasserstein(points, points) == pytest.approx(0.0, abs=1e-12)
    # a shift by (1, 1) moves each projection on direction (cos a, sin a) by cos a + sin a, whose
    # mean absolute value over directions is 2√2/π
    shifted = sliced_wasserstein(points, points + 1, projections=4000)
    assert shifted == pytest.approx(2 * math.sqrt(2) / math.pi, rel=0.02)
    other_draw = torch.randn(1500, 2, generator=torch.Generator().manual_seed(1))
    assert sliced_wasserstein(points, other_draw) < 0.1 * shifted  # different sizes are fine


def test_sliced_wasserstein_is_seeded():
    a, b = torch.randn(300, 3), torch.randn(300, 3) * 2
    assert sliced_wasserstein(a, b, seed=3) == sliced_wasserstein(a, b, seed=3)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (torch.zeros(10), torch.zeros(10, 2), "expected N×D points"),
        (torch.zeros(1, 2), torch.zeros(10, 2), "N >= 2"),
        (torch.zeros(10, 2), torch.zeros(10, 3), "same dimension"),
        ([[0.0, 1.0]], torch.zeros(10, 2), "torch.Tensor"),
    ],
)
def test_sliced_wasserstein_rejects_bad_input(a, b, message):
    with pytest.raises((ValueError, TypeError), match=message):
        sliced_wasserstein(a, b)
