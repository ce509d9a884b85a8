"""Earlier notebooks' shipped models, rebuilt so that later notebooks can compare with them.

Notebooks 05 and 10 write their generators out line by line for students; this module holds the
same architectures once more (the tests check that they load the shipped weights) so that notebook
09 can put 05's conditional GAN beside its diffusion model, and notebook 12 10's MoCoGAN beside its
diffusion transformer, without repeating the earlier notebooks' code.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from ._checks import check_tensor
from .data import ACTIONS

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


def _check_labels(labels: torch.Tensor, classes: int) -> torch.Tensor:
    labels = check_tensor(labels, "labels")
    if labels.ndim != 1 or len(labels) == 0 or labels.dtype != torch.long:
        got = f"{labels.dtype} of shape {tuple(labels.shape)}"
        raise ValueError(f"labels: expected a non-empty 1-D long tensor, got {got}")
    if labels.min() < 0 or labels.max() >= classes:
        raise ValueError(
            f"labels: expected classes 0-{classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return labels


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
    labels = _check_labels(labels, CLASSES)
    device = next(generator.parameters()).device
    noise = torch.randn(len(labels), Z_SIZE, generator=torch.Generator().manual_seed(seed))
    return generator(GAN_NOISE_SCALE * noise.to(device), labels.to(device)).float()


# 10's MoCoGAN (the settings of its quick and full profiles alike): 8 frames of 3×32×32.
MOCOGAN_FRAMES, MOCOGAN_SIZE, MOCOGAN_WIDTH = 8, 32, 16


class FrameGenerator(nn.Module):
    """10's image generator G_I: latent → 4×4 → 8×8 → 16×16 → 3×32×32 frame in [-1, 1]."""

    def __init__(self, latent_size: int, width: int, size: int = MOCOGAN_SIZE) -> None:
        super().__init__()
        layers = int(math.log2(size // 4))
        self.channels = channels = width * 2 ** (layers - 1)
        self.project = nn.Sequential(
            nn.Linear(latent_size, channels * 16), nn.BatchNorm1d(channels * 16), nn.ReLU()
        )
        blocks: list[nn.Module] = []
        for _ in range(layers - 1):  # each doubles the size and halves the channels
            blocks += [
                nn.Upsample(scale_factor=2),
                nn.Conv2d(channels, channels // 2, 3, padding=1),
                nn.BatchNorm2d(channels // 2),
                nn.ReLU(),
            ]
            channels //= 2
        self.upsample = nn.Sequential(
            *blocks, nn.Upsample(scale_factor=2), nn.Conv2d(channels, 3, 3, padding=1), nn.Tanh()
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(latent).view(-1, self.channels, 4, 4))


class MoCoGAN(nn.Module):
    """10's MoCoGAN generator: one content code per clip, a GRU of motion codes, the action."""

    def __init__(
        self,
        width: int = MOCOGAN_WIDTH,
        content_size: int = 32,
        motion_size: int = 16,
        noise_size: int = 8,
        action_size: int = 16,
    ) -> None:
        super().__init__()
        self.content_size, self.motion_size, self.noise_size = content_size, motion_size, noise_size
        self.action_embedding = nn.Embedding(len(ACTIONS), action_size)
        self.gru = nn.GRUCell(noise_size + action_size, motion_size)
        self.frames = FrameGenerator(content_size + motion_size + action_size, width)

    def forward(
        self, content: torch.Tensor, noise: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        n, frames = noise.shape[:2]
        action = self.action_embedding(actions)
        h = noise.new_zeros(n, self.motion_size)
        motion = []
        for t in range(frames):
            h = self.gru(torch.cat([noise[:, t], action], 1), h)
            motion.append(h)
        latents = torch.cat(
            [
                content[:, None].expand(-1, frames, -1),
                torch.stack(motion, 1),
                action[:, None].expand(-1, frames, -1),
            ],
            2,
        )
        return self.frames(latents.flatten(0, 1)).view(n, frames, 3, MOCOGAN_SIZE, MOCOGAN_SIZE)


def load_mocogan(device: torch.device | str = "cpu") -> MoCoGAN:
    """10's shipped MoCoGAN (trained on sprites of any hue on black), verified, in eval mode."""
    from .shipped import load_shipped

    generator = MoCoGAN()
    load_shipped("video_gans", {"recurrent": generator}, subset=True)
    return generator.to(device).eval()


@torch.no_grad()
def sample_mocogan(generator: MoCoGAN, actions: torch.Tensor, *, seed: int = 0) -> torch.Tensor:
    """Clips of the requested ``actions`` (N) from 10's MoCoGAN, as 10 draws them (N×8×3×32×32)."""
    actions = _check_labels(actions, len(ACTIONS))
    device = next(generator.parameters()).device
    g = torch.Generator().manual_seed(seed)
    content = torch.randn(len(actions), generator.content_size, generator=g)
    noise = torch.randn(len(actions), MOCOGAN_FRAMES, generator.noise_size, generator=g)
    return generator(content.to(device), noise.to(device), actions.to(device)).float()
