"""``make bench``: the course's training steps against plain reference steps.

Two models, each at the reference configuration of its public code, on random data:

* DCGAN as in pytorch/examples (64×64 RGB, 64 filters, batch 64, z of 100);
* pix2pix as in the authors' PyTorch code (U-Net 256 and a 70×70 PatchGAN, 256×256 RGB, 64
  filters, batch 1, L1 weight 100).

The **reference** step is written the way those scripts are: float32, NCHW, batches from a
``DataLoader``, the default Adam.  The **course** step is what the notebooks use: the data already
in memory on the device, channels-last tensors, fused Adam, and bf16 autocast on CUDA (on CPU only
when it has native bf16).  The script prints images/s for both and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator

import torch
import torch.nn as nn
import torch.nn.functional as F

from .device import autocast, cpu_supports_bf16, describe_hardware, pick_device


def dcgan_generator(z_size: int, width: int, channels: int) -> nn.Sequential:
    """z (N, z_size, 1, 1) → image (N, channels, 64, 64) in [-1, 1]."""

    def up(inputs: int, outputs: int) -> list[nn.Module]:
        return [
            nn.ConvTranspose2d(inputs, outputs, 4, 2, 1, bias=False),
            nn.BatchNorm2d(outputs),
            nn.ReLU(True),
        ]

    return nn.Sequential(
        nn.ConvTranspose2d(z_size, width * 8, 4, 1, 0, bias=False),  # (N, 8w, 4, 4)
        nn.BatchNorm2d(width * 8),
        nn.ReLU(True),
        *up(width * 8, width * 4),  # 8×8
        *up(width * 4, width * 2),  # 16×16
        *up(width * 2, width),  # 32×32
        nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False),  # 64×64
        nn.Tanh(),
    )


def dcgan_discriminator(width: int, channels: int) -> nn.Sequential:
    """image (N, channels, 64, 64) → one logit per image (N)."""

    def down(inputs: int, outputs: int) -> list[nn.Module]:
        return [
            nn.Conv2d(inputs, outputs, 4, 2, 1, bias=False),
            nn.BatchNorm2d(outputs),
            nn.LeakyReLU(0.2, True),
        ]

    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1, bias=False),  # 32×32
        nn.LeakyReLU(0.2, True),
        *down(width, width * 2),  # 16×16
        *down(width * 2, width * 4),  # 8×8
        *down(width * 4, width * 8),  # 4×4
        nn.Conv2d(width * 8, 1, 4, 1, 0, bias=False),  # 1×1
        nn.Flatten(0),
    )


Step = Callable[[], None]


def uses_bf16(device: torch.device) -> bool:
    """Whether the course's step runs in bf16: on CUDA, and on CPUs with native bf16."""
    return device.type == "cuda" or (device.type == "cpu" and cpu_supports_bf16())


def endless(loader: torch.utils.data.DataLoader) -> Iterator[list[torch.Tensor]]:
    """The loader's batches, epoch after epoch (a fresh shuffle each time), as the scripts loop."""
    while True:
        yield from loader


def reference_step(device: torch.device, z_size: int, width: int, batch: int) -> Step:
    """The reference training step: float32, NCHW, a DataLoader, sigmoid + BCELoss."""
    generator = dcgan_generator(z_size, width, 3).to(device)
    discriminator = nn.Sequential(dcgan_discriminator(width, 3), nn.Sigmoid()).to(device)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    images = torch.rand(batch * 4, 3, 64, 64) * 2 - 1
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images),
        batch_size=batch,
        shuffle=True,
        drop_last=True,
        generator=torch.Generator().manual_seed(0),
    )
    batches = endless(loader)
    criterion = nn.BCELoss()

    def step() -> None:
        (real,) = next(batches)
        real = real.to(device)
        ones = torch.ones(batch, device=device)
        zeros = torch.zeros(batch, device=device)
        discriminator.zero_grad()
        fake = generator(torch.randn(batch, z_size, 1, 1, device=device))
        d_loss = criterion(discriminator(real), ones) + criterion(
            discriminator(fake.detach()), zeros
        )
        d_loss.backward()
        d_optimizer.step()
        generator.zero_grad()
        criterion(discriminator(fake), ones).backward()
        g_optimizer.step()

    return step


def course_step(device: torch.device, z_size: int, width: int, batch: int) -> Step:
    """The course's step: in-memory data, channels-last, fused Adam, logits, bf16 where native."""
    channels_last = torch.channels_last
    generator = dcgan_generator(z_size, width, 3).to(device).to(memory_format=channels_last)  # type: ignore[call-overload]
    discriminator = dcgan_discriminator(width, 3).to(device).to(memory_format=channels_last)  # type: ignore[call-overload]
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    d_optimizer = torch.optim.Adam(
        discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True
    )
    images = (torch.rand(batch * 4, 3, 64, 64, device=device) * 2 - 1).contiguous(
        memory_format=channels_last
    )
    use_bf16 = uses_bf16(device)

    def step() -> None:
        real = images[torch.randint(0, len(images), (batch,), device=device)]
        with autocast(device, cpu_bf16=use_bf16):
            fake = generator(torch.randn(batch, z_size, 1, 1, device=device))
            real_logits = discriminator(real)
            fake_logits = discriminator(fake.detach())
            d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        d_optimizer.step()
        with autocast(device, cpu_bf16=use_bf16):
            g_loss = F.softplus(-discriminator(fake)).mean()
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        g_optimizer.step()

    return step


def unet_generator(width: int, channels: int = 3, levels: int = 8) -> nn.Module:
    """pix2pix's ``unet_256``: ``levels`` halvings (256 → 1), skips, dropout in the middle."""

    class Level(nn.Module):
        def __init__(self, outer: int, inner: int, inside: nn.Module | None, dropout: bool):
            super().__init__()
            down: list[nn.Module] = [
                nn.LeakyReLU(0.2, True),
                nn.Conv2d(outer, inner, 4, 2, 1, bias=False),
            ]
            if inside is not None:  # the innermost level has no norm on its way down
                down.append(nn.BatchNorm2d(inner))
            up_in = inner if inside is None else 2 * inner
            up: list[nn.Module] = [
                nn.ReLU(True),
                nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=False),
                nn.BatchNorm2d(outer),
            ]
            if dropout:
                up.append(nn.Dropout(0.5))
            self.model = nn.Sequential(*down, *([] if inside is None else [inside]), *up)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([x, self.model(x)], 1)  # the skip connection

    level: nn.Module | None = None
    for depth in range(levels - 2, -1, -1):  # build from the innermost level outwards
        inner = width * min(2 ** (depth + 1), 8)
        outer = width * min(2**depth, 8)
        level = Level(
            outer, inner, level, dropout=inner == outer == 8 * width and level is not None
        )
    assert level is not None
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1, bias=False),
        level,
        nn.ReLU(True),
        nn.ConvTranspose2d(2 * width, channels, 4, 2, 1),
        nn.Tanh(),
    )


def patch_discriminator(width: int, channels: int = 6) -> nn.Sequential:
    """pix2pix's 70×70 PatchGAN (``n_layers=3``) on [input; output] stacked as channels."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1),
        nn.LeakyReLU(0.2, True),
        *(
            layer
            for inputs, outputs, stride in ((1, 2, 2), (2, 4, 2), (4, 8, 1))
            for layer in (
                nn.Conv2d(width * inputs, width * outputs, 4, stride, 1, bias=False),
                nn.BatchNorm2d(width * outputs),
                nn.LeakyReLU(0.2, True),
            )
        ),
        nn.Conv2d(width * 8, 1, 4, 1, 1),
    )


def pix2pix_reference_step(device: torch.device, width: int, size: int, batch: int) -> Step:
    """pix2pix's step as its code has it: float32, NCHW, a DataLoader, BCE with logits + 100·L1."""
    generator = unet_generator(width, levels=_levels(size)).to(device)
    discriminator = patch_discriminator(width).to(device)
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    pairs = torch.rand(4 * batch, 2, 3, size, size) * 2 - 1
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(pairs[:, 0], pairs[:, 1]),
        batch_size=batch,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    batches = endless(loader)
    gan_loss, l1_loss = nn.BCEWithLogitsLoss(), nn.L1Loss()

    def step() -> None:
        source, target = next(batches)
        source, target = source.to(device), target.to(device)
        fake = generator(source)
        d_optimizer.zero_grad()
        fake_logits = discriminator(torch.cat([source, fake.detach()], 1))
        real_logits = discriminator(torch.cat([source, target], 1))
        d_loss = 0.5 * (
            gan_loss(fake_logits, torch.zeros_like(fake_logits))
            + gan_loss(real_logits, torch.ones_like(real_logits))
        )
        d_loss.backward()
        d_optimizer.step()
        g_optimizer.zero_grad()
        fake_logits = discriminator(torch.cat([source, fake], 1))
        g_loss = gan_loss(fake_logits, torch.ones_like(fake_logits)) + 100 * l1_loss(fake, target)
        g_loss.backward()
        g_optimizer.step()

    return step


def pix2pix_course_step(device: torch.device, width: int, size: int, batch: int) -> Step:
    """The same step the course's way: in memory, channels-last, fused Adam, bf16 where native."""
    channels_last = torch.channels_last
    generator = (
        unet_generator(width, levels=_levels(size)).to(device).to(memory_format=channels_last)
    )  # type: ignore[call-overload]
    discriminator = patch_discriminator(width).to(device).to(memory_format=channels_last)  # type: ignore[call-overload]
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    d_optimizer = torch.optim.Adam(
        discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True
    )
    pairs = torch.rand(4 * batch, 2, 3, size, size, device=device) * 2 - 1
    use_bf16 = uses_bf16(device)

    def step() -> None:
        pair = pairs[torch.randint(0, len(pairs), (batch,), device=device)]
        source = pair[:, 0].contiguous(memory_format=channels_last)
        target = pair[:, 1].contiguous(memory_format=channels_last)
        with autocast(device, cpu_bf16=use_bf16):
            fake = generator(source)
            real_logits = discriminator(torch.cat([source, target], 1))
            fake_logits = discriminator(torch.cat([source, fake.detach()], 1))
            d_loss = 0.5 * (F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())
        d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        d_optimizer.step()
        with autocast(device, cpu_bf16=use_bf16):
            fake_logits = discriminator(torch.cat([source, fake], 1))
            g_loss = F.softplus(-fake_logits).mean() + 100 * (fake.float() - target).abs().mean()
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        g_optimizer.step()

    return step


def _levels(size: int) -> int:
    """How many times a U-Net halves a ``size``-pixel image down to 1 pixel (8 for 256)."""
    if size < 2 or size & (size - 1):
        raise ValueError(f"size: expected a power of two, at least 2, got {size!r}")
    return size.bit_length() - 1


def images_per_second(
    step: Step, device: torch.device, batch: int, warmup: int, steps: int
) -> float:
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def compare(
    reference: Callable[[], Step],
    course: Callable[[], Step],
    device: torch.device,
    batch: int,
    steps: int,
) -> dict[str, float]:
    """Images/s of both steps on ``device``; ``ratio`` is course / reference."""
    torch.manual_seed(0)
    results = {
        name: images_per_second(make(), device, batch, warmup=2, steps=steps)
        for name, make in (("reference", reference), ("course", course))
    }
    results["ratio"] = results["course"] / results["reference"]
    return results


def run(
    device: torch.device, *, z_size: int = 100, width: int = 64, batch: int = 64, steps: int = 8
) -> dict[str, float]:
    """The DCGAN steps at pytorch/examples' configuration."""
    return compare(
        lambda: reference_step(device, z_size, width, batch),
        lambda: course_step(device, z_size, width, batch),
        device,
        batch,
        steps,
    )


def run_pix2pix(
    device: torch.device, *, width: int = 64, size: int = 256, batch: int = 1, steps: int = 4
) -> dict[str, float]:
    """The pix2pix steps at the authors' configuration (U-Net 256, 70×70 PatchGAN, batch 1)."""
    return compare(
        lambda: pix2pix_reference_step(device, width, size, batch),
        lambda: pix2pix_course_step(device, width, size, batch),
        device,
        batch,
        steps,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per variant")
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best one)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    print(describe_hardware(device))
    bf16 = uses_bf16(device)
    course = "in memory, channels-last, fused Adam" + (", bf16 autocast" if bf16 else "")
    for title, results in (
        ("DCGAN 64×64 RGB, 64 filters, batch 64, z of 100", run(device, steps=args.steps)),
        (
            "pix2pix U-Net 256 + 70×70 PatchGAN, 256×256 RGB, 64 filters, batch 1",
            run_pix2pix(device, steps=args.steps),
        ),
    ):
        print(f"\n{title}, random data")
        print(f"reference (float32, NCHW, DataLoader): {results['reference']:8.2f} images/s")
        print(f"course ({course}): {results['course']:8.2f} images/s")
        print(f"ratio: {results['ratio']:.2f}×")
    if not bf16:
        print("(no native bf16 here: most of the course's advantage comes from bf16, on CUDA or")
        print(" on CPUs with AVX-512 BF16 / AMX)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
