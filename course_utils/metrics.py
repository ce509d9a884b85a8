"""Image-quality measures on tensors in [-1, 1]: PSNR, SSIM and a sharpness measure.

PSNR and SSIM come from torchmetrics (a well-tested implementation); this module only fixes the
course's conventions (data range 2 for [-1, 1] images, one value per image) and checks inputs.
"""

from __future__ import annotations

import torch
from torchmetrics.functional.image import (
    peak_signal_noise_ratio,
    structural_similarity_index_measure,
)

from ._checks import check_images, check_same_shape

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
