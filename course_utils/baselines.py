"""Earlier notebooks' shipped models, rebuilt so that later notebooks can compare with them.

Notebook 05 writes its conditional GAN out line by line for students; this module holds the same
architecture once more (the tests check that it loads 05's shipped weights) so that notebook 09
can put the GAN beside its diffusion model without repeating 05's code.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ._checks import check_tensor

Z_SIZE, WIDTH, CLASSES = 64, 32, 10
GAN_NOISE_SCALE = 0.9  # 05 grades its samples with z ~ N(0, 0.9² I) (the truncation trick)


class ConditionalGenerator(nn.Module):
    """05's generator: [z; e_y] → 7×7 → 14×14 → 28×28 digit of class y, in [-1, 1]."""

    def __init__(self, z_size: int = Z_SIZE, width: int = WIDTH) -> None:
        super().__init__()
        self.embed = nn.Embedding(CLASSES, z_size)
        self.project = nn.Sequential(
            nn.Linear(2 * z_size, 2 * width * 7 * 7, bias=False),
            nn.BatchNorm1d(2 * width * 7 * 7),
            nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, self.embed(y)], dim=1))
        return self.upsample(h.view(len(z), -1, 7, 7))


def load_conditional_gan(device: torch.device | str = "cpu") -> ConditionalGenerator:
    """05's shipped generator (its moving average), verified against the manifest, in eval mode."""
    from .shipped import load_shipped

    generator = ConditionalGenerator()
    load_shipped("conditional_gan", {"generator": generator})
    return generator.to(device).eval()


@torch.no_grad()
def sample_conditional_gan(
    generator: ConditionalGenerator, labels: torch.Tensor, *, seed: int = 0
) -> torch.Tensor:
    """Digits of the requested ``labels`` (N) from 05's generator, as 05 grades them (N×1×28×28)."""
    labels = check_tensor(labels, "labels")
    if labels.ndim != 1 or len(labels) == 0 or labels.dtype != torch.long:
        got = f"{labels.dtype} of shape {tuple(labels.shape)}"
        raise ValueError(f"labels: expected a non-empty 1-D long tensor, got {got}")
    if labels.min() < 0 or labels.max() >= CLASSES:
        raise ValueError(
            f"labels: expected classes 0-{CLASSES - 1}, got {labels.min()}..{labels.max()}"
        )
    device = next(generator.parameters()).device
    noise = torch.randn(len(labels), Z_SIZE, generator=torch.Generator().manual_seed(seed))
    return generator(GAN_NOISE_SCALE * noise.to(device), labels.to(device)).float()
