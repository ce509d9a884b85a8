"""Image-quality measures on tensors in [-1, 1] (PSNR, SSIM, a sharpness measure), and the
sliced Wasserstein distance between two point clouds.

PSNR and SSIM come from torchmetrics (a well-tested implementation); this module only fixes the
course's conventions (data range 2 for [-1, 1] images, one value per image) and checks inputs.
"""

from __future__ import annotations

import torch
from torchmetrics.functional.image import (
    peak_signal_noise_ratio,
    structural_similarity_index_measure,
)

from ._checks import check_images, check_positive_int, check_same_shape, check_tensor

DATA_RANGE = 2.0  # images live in [-1, 1]


def psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB, one value per image (N), for N×C×H×W images in [-1, 1].

    PSNR = 10 log10(range² / MSE): +6 dB means the error's amplitude halved.
    """
    check_images(pred, "pred")
    check_images(target, "target")
    check_same_shape(pred, target)
    return peak_signal_noise_ratio(
        pred.float(), target.float(), data_range=DATA_RANGE, reduction="none", dim=(1, 2, 3)
    )


def ssim(pred: torch.Tensor, target: torch.Tensor, *, kernel_size: int = 11) -> torch.Tensor:
    """Structural similarity (1 = identical), one value per image (N), Gaussian window.

    Images must be at least ``kernel_size`` pixels on each side (use ``kernel_size=7`` for small
    images, e.g. 8×8 digits need ``kernel_size`` ≤ 7).
    """
    check_images(pred, "pred")
    check_images(target, "target")
    check_same_shape(pred, target)
    if kernel_size % 2 == 0 or kernel_size < 3:
        raise ValueError(f"kernel_size: expected an odd integer >= 3, got {kernel_size!r}")
    if min(pred.shape[-2:]) < kernel_size:
        raise ValueError(
            f"ssim: images must be at least {kernel_size}×{kernel_size} for kernel_size="
            f"{kernel_size}, got {tuple(pred.shape[-2:])}; pass a smaller odd kernel_size"
        )
    values = structural_similarity_index_measure(
        pred.float(),
        target.float(),
        data_range=DATA_RANGE,
        kernel_size=kernel_size,
        sigma=1.5 * kernel_size / 11,
        reduction="none",
    )
    assert isinstance(values, torch.Tensor)  # a tuple only when asked for the full image
    return values


def gradient_energy(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference between neighbouring pixels, one value per image (N).

    A simple sharpness measure: blurring lowers it, shifting an image leaves it unchanged.
    """
    check_images(images, "images")
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return dx.pow(2).mean(dim=(1, 2, 3)) + dy.pow(2).mean(dim=(1, 2, 3))


def sliced_wasserstein(
    a: torch.Tensor, b: torch.Tensor, *, projections: int = 256, seed: int = 0
) -> float:
    """Sliced 1-Wasserstein distance between point clouds ``a`` (N×D) and ``b`` (M×D).

    Both clouds are projected on ``projections`` random unit directions (seeded); along each,
    the 1-D Wasserstein distance is the mean gap between matching quantiles.  The result is
    the average over directions: 0 for identical distributions, in the data's own units.
    """
    check_tensor(a, "a")
    check_tensor(b, "b")
    for name, x in (("a", a), ("b", b)):
        if x.ndim != 2 or len(x) < 2:
            raise ValueError(f"{name}: expected N×D points with N >= 2, got shape {tuple(x.shape)}")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a and b: expected points of the same dimension, got {a.shape[1]} and {b.shape[1]}"
        )
    check_positive_int(projections, "projections")
    generator = torch.Generator().manual_seed(seed)
    directions = torch.randn(a.shape[1], projections, generator=generator, dtype=torch.float64)
    directions /= directions.norm(dim=0, keepdim=True)
    levels = torch.linspace(0, 1, min(len(a), len(b)), dtype=torch.float64)
    quantiles_a = torch.quantile(a.detach().cpu().double() @ directions, levels, dim=0)
    quantiles_b = torch.quantile(b.detach().cpu().double() @ directions, levels, dim=0)
    return float((quantiles_a - quantiles_b).abs().mean())
