"""The assignment's driven model (reenactment), and a training script that scales with torchrun.

A reenactment model makes a target person perform what a driving clip of someone else does: it
is what real deepfake systems do.  Here the target is avatar j of the course's cast (one frame of
it shows who), the driving clip shows avatar i, and the renderer of ``course_utils.avatars``
gives the exact answer: avatar j drawn with the driving clip's motion.

The model keeps who and what apart by construction.  A **reader** turns each driving frame into
four numbers (mouth opening, blink, head turn, head tilt), trained to match the true ones, so no
trace of the driver's face can pass; a **renderer** draws the target's frame again with those
numbers (as 3DMM coefficients or keypoints do in published systems).  Its loss weighs most the
pixels that differ from the target's frame: the mouth, eyes and head outline are a small part of
the picture, and a plain L1 loss is content to copy the target's frame unchanged.

Run it from a notebook (import it) or from a shell, on one process or many:

    python avatar_reenactor.py --steps 600 --out reenactor.safetensors
    torchrun --standalone --nproc_per_node=2 avatar_reenactor.py --steps 600      # 1 machine
    torchrun --nnodes=2 --node_rank=R --nproc_per_node=8 --rdzv_backend=c10d \\
        --rdzv_endpoint=HOST:29500 avatar_reenactor.py --steps 600            # R = 0, 1

Under torchrun every process draws the same global batch of each step and takes its own slice;
DistributedDataParallel averages the gradients, so n processes take the same steps as one
process on the whole batch (GroupNorm normalises each example alone, so nothing else depends on
how the batch is split).  Processes talk over gloo on CPUs and NCCL on GPUs.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from course_utils.avatars import (
    CAST_SIZE,
    MAX_ROLL,
    MAX_YAW,
    HeadMotion,
    make_avatars,
    make_talking_heads,
    render_talking_heads,
)

CODE = ("mouth", "blink", "yaw", "roll")  # what the reader reads from each driving frame
FOCUS = 10.0  # extra weight of a pixel, per unit of its difference from the target's frame


@dataclass
class Pairs:
    """Driving clips (N×T×3×H×W), one frame of each target (N×3×H×W), the true answers
    (N×T×3×H×W), the target avatars (N) and the driving motion as the reader's code (N×T×4)."""

    drive: torch.Tensor
    source: torch.Tensor
    truth: torch.Tensor
    target: torch.Tensor
    code: torch.Tensor

    def __len__(self) -> int:
        return len(self.drive)

    def to(self, device: torch.device) -> Pairs:
        return Pairs(*(field.to(device) for field in vars(self).values()))


def motion_code(motion: HeadMotion) -> torch.Tensor:
    """The reader's four numbers per frame (N×T×4), each in [-1, 1]."""
    return torch.stack(
        [motion.mouth, motion.blink, motion.yaw / MAX_YAW, motion.roll / MAX_ROLL], -1
    )


def reenactment_pairs(n: int, *, frames: int = 8, size: int = 32, seed: int = 0) -> Pairs:
    """``n`` driving clips, each with another avatar as its target and the exact answer."""
    drive = make_talking_heads(n, frames=frames, size=size, seed=seed)
    others = np.random.default_rng(seed + 1).integers(1, CAST_SIZE, n)
    target = (drive.identity.numpy() + others) % CAST_SIZE  # never the driver
    source = make_talking_heads(n, identity=target, frames=2, size=size, seed=seed + 2)
    truth = render_talking_heads(make_avatars(), target, drive.motion, size=size,
                                 backdrops=source.backdrops)  # fmt: skip
    return Pairs(drive.videos, source.videos[:, 0], truth.videos, torch.from_numpy(target),
                 motion_code(drive.motion))  # fmt: skip


def conv_block(channels_in: int, channels_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1),
        nn.GroupNorm(8, channels_out),
        nn.SiLU(),
    )


class Reenactor(nn.Module):
    def __init__(self, width: int = 32, size: int = 32) -> None:
        super().__init__()
        w = width
        self.reader = nn.Sequential(  # a driving frame → its 4 numbers
            conv_block(3, w), nn.MaxPool2d(2), conv_block(w, w), nn.MaxPool2d(2),
            conv_block(w, w), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(w * (size // 8) ** 2, len(CODE)),
        )  # fmt: skip
        self.appearance = nn.Sequential(  # the target's frame → features at a quarter size
            conv_block(3, w), nn.AvgPool2d(2), conv_block(w, 2 * w), nn.AvgPool2d(2),
            conv_block(2 * w, 2 * w),
        )  # fmt: skip
        self.render = nn.Sequential(  # features and the 4 numbers → a change to the target's frame
            conv_block(2 * w + len(CODE), 2 * w), nn.Upsample(scale_factor=2),
            conv_block(2 * w, w), nn.Upsample(scale_factor=2), conv_block(w, w),
            nn.Conv2d(w, 3, 3, padding=1),
        )  # fmt: skip

    def forward(
        self, drive: torch.Tensor, source: torch.Tensor, code: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The target performing the driving clip (N×T×3×H×W), and the code read from the
        driving frames (N×T×4).  Given ``code`` (the true one, in training), the renderer uses it
        instead of the reader's: each part learns its own job."""
        n, frames = drive.shape[:2]
        read = self.reader(drive.flatten(0, 1))  # (N·T, 4)
        used = read if code is None else code.flatten(0, 1)
        features = self.appearance(source).repeat_interleave(frames, 0)  # (N·T, 2w, H/4, W/4)
        numbers = used[..., None, None].expand(-1, -1, *features.shape[-2:])
        change = self.render(torch.cat([features, numbers], 1))
        frames_out = source.repeat_interleave(frames, 0) + change
        return frames_out.clamp(-1, 1).view_as(drive), read.view(n, frames, len(CODE))


def reenactment_loss(model: nn.Module, pairs: Pairs, index: torch.Tensor) -> torch.Tensor:
    """L1 to the true answer, weighted towards the pixels that change, plus the reader's error."""
    made, read = model(pairs.drive[index], pairs.source[index], pairs.code[index])
    truth = pairs.truth[index]
    focus = 1 + FOCUS * (truth - pairs.source[index][:, None]).abs().mean(2, keepdim=True)
    return (focus * (made - truth).abs()).mean() + F.mse_loss(read, pairs.code[index])


def batch_indices(step: int, size: int, global_batch: int, seed: int) -> torch.Tensor:
    """The examples of a step's global batch: the same on every process."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    return torch.randint(size, (global_batch,), generator=generator)


def train(
    model: nn.Module,
    pairs: Pairs,
    steps: int,
    *,
    global_batch: int = 32,
    learning_rate: float = 2e-3,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Train ``model`` (wrapped in DistributedDataParallel under torchrun) for ``steps`` steps;
    each process takes its slice of every global batch.  Returns the loss of every step (over
    the global batch)."""
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    if global_batch % world:
        raise ValueError(f"global_batch: expected a multiple of the {world} processes, "
                         f"got {global_batch}")  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    device = next(model.parameters()).device
    losses = []
    for step in tqdm(range(steps), desc="reenactor", disable=not progress or rank != 0):
        index = batch_indices(step, len(pairs), global_batch, seed)[rank::world]
        loss = reenactment_loss(model, pairs, index.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # DistributedDataParallel averages the gradients over the processes
        optimizer.step()
        if world > 1:  # for the record: the mean over the processes, the global batch's loss
            loss = loss.detach().clone()
            dist.all_reduce(loss)
            loss /= world
        losses.append(loss.item())
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--global-batch", type=int, default=32)
    parser.add_argument("--clips", type=int, default=3000)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="reenactor.safetensors")
    args = parser.parse_args()

    distributed = "WORLD_SIZE" in os.environ  # set by torchrun
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)  # the same starting weights in every process
    model = Reenactor().to(device)
    pairs = reenactment_pairs(args.clips, frames=args.frames, seed=args.seed)
    pairs = pairs.to(device)
    trained = nn.parallel.DistributedDataParallel(model) if distributed else model
    losses = train(trained, pairs, args.steps, global_batch=args.global_batch, seed=args.seed)
    if not distributed or dist.get_rank() == 0:
        from safetensors.torch import save_file

        save_file({k: v.contiguous().cpu() for k, v in model.state_dict().items()}, args.out)
        print(f"saved {args.out}; mean loss of the last 50 steps {np.mean(losses[-50:]):.4f}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
