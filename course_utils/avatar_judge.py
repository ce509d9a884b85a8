"""The course's judge of talking-head clips: who is it, and what do the mouth and head do?

A small 2-D CNN reads every frame of a clip (``course_utils.avatars``) and gives

* **identity**: which member of the course's cast (``make_avatars()``) the clip shows, from the
  mean of its frames' features: does a generator keep the person?
* **mouth opening and head turn** of each frame, regressed: does a driven model follow the
  driving clip?
* **features** (128 per clip, the mean over frames) for a Fréchet distance to real clips.  It
  sees who is shown and how the faces look, not how they move: 160 real clips frozen on their
  first frame are 32.8 from other real clips, as close as moving ones (32.0; one clip repeated:
  2,190).  Measure motion with ``read_motion``.

It reads 32×32 frames; larger frames are shrunk to 32×32 by averaging (area), so clips of the
full profile's 64×64 are read alike.  It is trained on seeds that notebooks never use by
``python -m course_utils.avatar_judge`` and ships as ``data/checkpoints/avatar_judge.safetensors``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._checks import check_images, check_one_per_item, check_positive_int
from .avatars import CAST_SIZE, MAX_YAW, TalkingHeads, make_talking_heads
from .device import eval_mode

JUDGE_NAME = "avatar_judge"
FRAME_SIZE = 32  # the judge's input; larger frames are shrunk to it
FEATURES = 128
TRAIN_SEED = 1_000_000  # the judge's own clips; notebooks draw theirs from small seeds
HELDOUT_SEED = 2_000_000
TRAIN_SIZES = (32, 64)  # rendered at both and shrunk: the quick and the full profile's clips


def shrink_to_judge(videos: torch.Tensor) -> torch.Tensor:
    """Clips with larger frames shrunk to the judge's 32×32 by averaging (area)."""
    if videos.shape[-1] == FRAME_SIZE:
        return videos
    frames = F.interpolate(videos.flatten(0, 1), size=(FRAME_SIZE, FRAME_SIZE), mode="area")
    return frames.view(*videos.shape[:2], *frames.shape[1:])


class AvatarJudge(nn.Module):
    """Convolutions on each frame → 128 features per frame.  Identity logits come from the
    frames' mean features; mouth opening and head turn from each frame's own."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # (N·T, 32, 16, 16)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N·T, 64, 8, 8)
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N·T, 128, 4, 4)
            nn.Flatten(), nn.Linear(128 * 4 * 4, FEATURES), nn.ReLU(),
        )  # fmt: skip
        self.identity_head = nn.Linear(FEATURES, CAST_SIZE)
        self.motion_head = nn.Linear(FEATURES, 2)  # mouth opening, head turn

    def frame_features(self, videos: torch.Tensor) -> torch.Tensor:
        """N×T×3×H×W clips → N×T×128 features."""
        return self.body(shrink_to_judge(videos).flatten(0, 1)).view(*videos.shape[:2], FEATURES)

    def forward(self, videos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Identity logits (N×CAST_SIZE) and per-frame mouth opening and head turn (N×T×2)."""
        features = self.frame_features(videos)
        return self.identity_head(features.mean(1)), self.motion_head(features)


def check_talking_heads(videos: object, name: str = "videos") -> torch.Tensor:
    """``videos`` as N×T×3×H×W clips in [-1, 1] with square frames of at least 32×32."""
    videos = check_images(videos, name, ndim=5, channels=(3,))
    height, width = videos.shape[-2:]
    if height != width or height < FRAME_SIZE or height % FRAME_SIZE:
        raise ValueError(
            f"{name}: expected square frames whose side is a multiple of {FRAME_SIZE} "
            f"(32×32, 64×64 …), got {height}×{width}"
        )
    return videos


def load_avatar_judge(device: torch.device | str = "cpu") -> AvatarJudge:
    """The shipped judge, verified against the manifest, in eval mode on ``device``."""
    from .shipped import load_shipped

    judge = AvatarJudge()
    load_shipped(JUDGE_NAME, {"judge": judge})
    return judge.to(device).eval()


def heldout_heads(n: int = 320, frames: int = 8, size: int = 32) -> TalkingHeads:
    """Real talking-head clips of the cast that the judge never saw."""
    return make_talking_heads(n, frames=frames, size=size, seed=HELDOUT_SEED)


@dataclass
class ClipReading:
    """What the judge reads in N clips of T frames: ``identity`` (N, an index into the cast),
    ``mouth`` opening and head ``turn`` of each frame (N×T), and each clip's ``features``
    (N×128, the mean of its frames', for a Fréchet distance)."""

    identity: torch.Tensor
    mouth: torch.Tensor
    turn: torch.Tensor
    features: torch.Tensor


def read_clips(judge: AvatarJudge, videos: torch.Tensor) -> ClipReading:
    """Everything the judge reads, in one pass over the clips (in batches, results on the CPU)."""
    videos = check_talking_heads(videos)
    device = next(judge.parameters()).device
    readings = []
    with eval_mode(judge), torch.no_grad():
        for batch in videos.split(100):
            frame_features = judge.frame_features(batch.to(device).float())
            clip = frame_features.mean(1)
            motion = judge.motion_head(frame_features)
            readings.append(
                (judge.identity_head(clip).argmax(1), motion[..., 0], motion[..., 1], clip)
            )
    return ClipReading(*(torch.cat(parts).cpu() for parts in zip(*readings, strict=True)))


def predict_identity(judge: AvatarJudge, videos: torch.Tensor) -> torch.Tensor:
    """The judge's avatar for each clip (N), an index into the cast."""
    return read_clips(judge, videos).identity


def identity_accuracy(judge: AvatarJudge, videos: torch.Tensor, identity: torch.Tensor) -> float:
    """Share of clips the judge recognises as the avatar they should show."""
    identity = check_one_per_item(identity, videos, "identity").cpu()
    return (predict_identity(judge, videos) == identity).float().mean().item()


def read_motion(judge: AvatarJudge, videos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mouth opening (in [0, 1]) and head turn (in [-0.5, 0.5]) the judge reads in each
    frame: two N×T tensors."""
    reading = read_clips(judge, videos)
    return reading.mouth, reading.turn


def clip_features(judge: AvatarJudge, videos: torch.Tensor) -> torch.Tensor:
    """N×128: each clip's mean frame features, for a Fréchet distance
    (``course_utils.video_judge.frechet_from_features``)."""
    return read_clips(judge, videos).features


def train_avatar_judge(
    steps: int = 1500, clips_per_size: int = 3000, seed: int = 0
) -> tuple[AvatarJudge, dict[str, float]]:
    """Train the judge on clips of the cast rendered at 32×32 and at 64×64 (shrunk); return it
    and its held-out identity accuracy and mean absolute mouth and turn errors at each size."""
    from tqdm.auto import tqdm

    check_positive_int(steps, "steps")
    sets = [
        make_talking_heads(clips_per_size, frames=4, size=size, seed=TRAIN_SEED + size)
        for size in TRAIN_SIZES
    ]
    videos = torch.cat([shrink_to_judge(clips.videos) for clips in sets])
    identity = torch.cat([clips.identity for clips in sets])
    # the turn is scaled to [-1, 1] like the mouth opening, so both weigh alike in the loss
    motion = torch.cat([torch.stack([c.motion.mouth, c.motion.yaw / MAX_YAW], -1) for c in sets])
    torch.manual_seed(seed)
    judge = AvatarJudge()
    optimizer = torch.optim.Adam(judge.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    for _ in tqdm(range(steps), desc="avatar judge"):
        batch = torch.randint(len(videos), (32,))
        identity_logits, read = judge(videos[batch])
        read = torch.stack([read[..., 0], read[..., 1] / MAX_YAW], -1)
        loss = F.cross_entropy(identity_logits, identity[batch]) + F.mse_loss(read, motion[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    judge.eval()
    scores = {}
    for size in TRAIN_SIZES:
        held_out = heldout_heads(size=size)
        mouth, turn = read_motion(judge, held_out.videos)
        scores[f"identity at {size}×{size}"] = identity_accuracy(
            judge, held_out.videos, held_out.identity
        )
        scores[f"mouth error at {size}×{size}"] = (
            (mouth - held_out.motion.mouth).abs().mean().item()
        )
        scores[f"turn error at {size}×{size}"] = (turn - held_out.motion.yaw).abs().mean().item()
    return judge, scores


def main() -> int:
    """Train the judge and ship it (``python -m course_utils.avatar_judge``)."""
    from .shipped import ship_modules

    judge, held_out = train_avatar_judge()
    print("held out: " + ", ".join(f"{name} {value:.3f}" for name, value in held_out.items()))
    identities = [value for name, value in held_out.items() if name.startswith("identity")]
    mouths = [value for name, value in held_out.items() if name.startswith("mouth")]
    if min(identities) < 0.98 or max(mouths) > 0.08:
        print(
            "the judge must recognise 98% of held-out clips and read the mouth within 0.08 on "
            "average at every size: not shipped"
        )
        return 1
    ship_modules({"judge": judge}, JUDGE_NAME, "python -m course_utils.avatar_judge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
