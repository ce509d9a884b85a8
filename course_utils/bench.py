"""``make bench``: the course's DCGAN training step against a plain reference step.

Both train the same DCGAN at pytorch/examples' configuration (64×64 RGB, 64 filters, batch 64,
z of 100, random data).  The **reference** is written the way that script is: float32, NCHW,
batches from a ``DataLoader``, a sigmoid then ``BCELoss``, the default Adam.  The **course** step
is what the notebooks use: the data already in memory on the device, channels-last tensors,
fused Adam, logits with ``BCEWithLogits``, and bf16 autocast on CUDA (on CPU only when it has
native bf16).  The script prints images/s for both and their ratio.
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
    batches: Iterator[list[torch.Tensor]] = iter(())
    criterion = nn.BCELoss()

    def step() -> None:
        nonlocal batches
        try:
            (real,) = next(batches)
        except StopIteration:
            batches = iter(loader)
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


def run(
    device: torch.device, *, z_size: int = 100, width: int = 64, batch: int = 64, steps: int = 8
) -> dict[str, float]:
    """Images/s of both steps on ``device``; ``ratio`` is course / reference."""
    torch.manual_seed(0)
    warmup = 2
    results = {
        name: images_per_second(make(device, z_size, width, batch), device, batch, warmup, steps)
        for name, make in (("reference", reference_step), ("course", course_step))
    }
    results["ratio"] = results["course"] / results["reference"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per variant")
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best one)")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    print(describe_hardware(device))
    print("DCGAN 64×64 RGB, 64 filters, batch 64, z of 100, random data")
    results = run(device, steps=args.steps)
    bf16 = uses_bf16(device)
    course = "in memory, channels-last, fused Adam" + (", bf16 autocast" if bf16 else "")
    print(f"reference (float32, NCHW, DataLoader): {results['reference']:8.1f} images/s")
    print(f"course ({course}): {results['course']:8.1f} images/s")
    print(f"ratio: {results['ratio']:.2f}×")
    if not bf16:
        print("(no native bf16 here: most of the course's advantage comes from bf16, on CUDA or")
        print(" on CPUs with AVX-512 BF16 / AMX)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
