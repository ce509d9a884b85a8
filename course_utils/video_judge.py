"""The course's judge of generated sprite clips: a small 3-D CNN and its features.

The video counterpart of ``course_utils.judge``, with the same two measures:

* **action accuracy**: does the judge see the clip's sprite move in the direction it was asked
  for?  This is MoCoGAN's motion-control score.  A generator that repeats one good clip per
  action scores perfectly.
* **video Fréchet distance** between generated and real held-out clips in the judge's 128-d
  features (the FVD recipe with this judge in place of an I3D network), which sees that collapse.

``compare_with_references`` prints both beside the floor (real vs real) and a collapsed
reference (one real clip per action, repeated).  The judge sees T×3×32×32 clips from
``make_sprite_clips`` of 4, 8 or 16 frames (``CLIP_FRAMES``, at the default speeds) on every
kind of background; it is trained on seeds that the notebooks never use by
``python -m course_utils.video_judge`` and ships as ``data/checkpoints/video_judge.safetensors``.
What a caption says of colour is read from the pixels, not by the judge:
``course_utils.video.sprite_colour_names``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ._checks import check_images, check_one_per_item, check_positive_int
from .data import ACTIONS, BACKGROUNDS, SHAPES, SpriteClips, make_sprite_clips
from .device import eval_mode

JUDGE_NAME = "video_judge"
CLIP_FRAMES = (4, 8, 16)  # the clip lengths the judge is trained on
FRAME_SHAPE = (3, 32, 32)  # C, H, W
FEATURES = 128
TRAIN_SEED = 1_000_000  # the judge's own clips; notebooks draw theirs from small seeds
HELDOUT_SEED = 2_000_000


class VideoJudge(nn.Module):
    """3-D convolutions over (time, height, width), averaged over time → 128 features → action
    and shape logits.  Pooling only in space and averaging the local space-time features over
    the frames lets one judge read clips of any length."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv3d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),   # (N,16,T,16,16)
            nn.Conv3d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),  # (N,32,T,8,8)
            nn.Conv3d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),  # (N,64,T,4,4)
        )  # fmt: skip
        self.project = nn.Sequential(nn.Flatten(), nn.Linear(64 * 4 * 4, FEATURES), nn.ReLU())
        self.action_head = nn.Linear(FEATURES, len(ACTIONS))
        self.shape_head = nn.Linear(FEATURES, len(SHAPES))

    def features(self, videos: torch.Tensor) -> torch.Tensor:
        local = self.body(videos.transpose(1, 2))  # N×T×C×H×W → N×C×T×H×W for Conv3d
        return self.project(local.mean(2))  # the mean over time: (N, 64, 4, 4) → (N, 128)

    def forward(self, videos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.features(videos)
        return self.action_head(features), self.shape_head(features)


def _same_length(videos: torch.Tensor, reference: torch.Tensor, name: str) -> torch.Tensor:
    if videos.ndim == 5 and videos.shape[1] != reference.shape[1]:
        raise ValueError(
            f"{name}: expected clips of {reference.shape[1]} frames as in the reference, got "
            f"{videos.shape[1]} (a distance compares clips of one length)"
        )
    return videos


def _check_sprite_clips(videos: object, name: str) -> torch.Tensor:
    videos = check_images(videos, name, ndim=5)
    if videos.shape[1] not in CLIP_FRAMES or tuple(videos.shape[2:]) != FRAME_SHAPE:
        frames = " or ".join(map(str, CLIP_FRAMES))
        shape = "×".join(map(str, FRAME_SHAPE))
        raise ValueError(
            f"{name}: expected N×T×{shape} clips with T = {frames}, got shape {tuple(videos.shape)}"
        )
    return videos


def load_video_judge(device: torch.device | str = "cpu") -> VideoJudge:
    """The shipped judge, verified against the manifest, in eval mode on ``device``."""
    from .shipped import load_shipped

    judge = VideoJudge()
    load_shipped(JUDGE_NAME, {"judge": judge})
    return judge.to(device).eval()


def heldout_clips(n: int = 300, frames: int = 8) -> SpriteClips:
    """Real clips of ``frames`` frames that the judge never saw, on each kind of background."""
    check_positive_int(n, "n", minimum=len(BACKGROUNDS))
    kinds = [
        make_sprite_clips(
            n // len(BACKGROUNDS), frames=frames, background=kind, seed=HELDOUT_SEED + i
        )
        for i, kind in enumerate(BACKGROUNDS)
    ]
    columns = zip(*(vars(k).values() for k in kinds), strict=True)
    return SpriteClips(*(torch.cat(fields) for fields in columns))


def _features(judge: VideoJudge, videos: torch.Tensor) -> torch.Tensor:
    device = next(judge.parameters()).device
    with eval_mode(judge), torch.no_grad():
        return torch.cat([judge.features(b.to(device).float()).cpu() for b in videos.split(200)])


def _predict(judge: VideoJudge, videos: torch.Tensor, head: torch.nn.Module) -> torch.Tensor:
    features = _features(judge, _check_sprite_clips(videos, "videos"))
    return head(features.to(next(judge.parameters()).device)).argmax(1).cpu()


def predict_actions(judge: VideoJudge, videos: torch.Tensor) -> torch.Tensor:
    """The judge's action for each clip (N), an index into ``ACTIONS``."""
    return _predict(judge, videos, judge.action_head)


def predict_shapes(judge: VideoJudge, videos: torch.Tensor) -> torch.Tensor:
    """The judge's sprite shape for each clip (N), an index into ``SHAPES``."""
    return _predict(judge, videos, judge.shape_head)


def action_accuracy(judge: VideoJudge, videos: torch.Tensor, actions: torch.Tensor) -> float:
    """Share of clips whose action the judge recognises as the requested one."""
    actions = check_one_per_item(actions, videos, "actions").cpu()
    return (predict_actions(judge, videos) == actions).float().mean().item()


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The square root of a symmetric positive semi-definite matrix, by its eigendecomposition."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(values.clip(min=0))) @ vectors.T


def frechet_from_features(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N×D each, N ≥ 2).

    tr((Σa Σb)^½) is computed as tr((Σa^½ Σb Σa^½)^½), whose matrix is symmetric: exact also
    when a covariance is singular (a collapsed set, or fewer clips than features), where a
    general matrix square root (scipy's ``sqrtm``) loses accuracy and warns.
    """
    for name, x in (("a", a), ("b", b)):
        if x.ndim != 2 or len(x) < 2:
            raise ValueError(f"{name}: expected at least 2 feature rows, got {tuple(x.shape)}")
    a64, b64 = a.double().numpy(), b.double().numpy()
    mean_a, mean_b = a64.mean(0), b64.mean(0)
    cov_a, cov_b = np.cov(a64, rowvar=False), np.cov(b64, rowvar=False)
    root_a = _psd_sqrt(cov_a)
    cross = np.sqrt(np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)).sum()
    return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


def frechet_distance(judge: VideoJudge, videos: torch.Tensor, reference: torch.Tensor) -> float:
    """Video Fréchet distance between two sets of clips in the judge's features."""
    reference = _check_sprite_clips(reference, "reference")
    videos = _check_sprite_clips(_same_length(videos, reference, "videos"), "videos")
    return frechet_from_features(_features(judge, videos), _features(judge, reference))


def collapsed_clips(clips: SpriteClips, per_action: int, *, seed: int = 0) -> SpriteClips:
    """A perfectly collapsed "generator": one real clip per action, ``per_action`` times over."""
    check_positive_int(per_action, "per_action")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for action in range(len(ACTIONS)):
        members = (clips.actions == action).nonzero().flatten()
        if len(members) == 0:
            raise ValueError(f"clips: no clip of action {ACTIONS[action]!r} to repeat")
        chosen.append(members[torch.randint(len(members), (1,), generator=generator)])
    index = torch.cat(chosen).repeat_interleave(per_action)
    return SpriteClips(*(field[index] for field in vars(clips).values()))


@dataclass
class VideoReport:
    """One row of the table: action accuracy and video Fréchet distance."""

    name: str
    accuracy: float
    distance: float

    def line(self, collapsed_distance: float) -> str:
        return (
            f"{self.name:>34} | {self.accuracy:8.1%} | {self.distance:8.2f} "
            f"{self.distance / collapsed_distance:6.2f}×"
        )


def compare_with_references(
    judge: VideoJudge,
    generated: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
    real: SpriteClips,
    *,
    seed: int = 0,
) -> dict[str, VideoReport]:
    """Grade sets of generated clips beside real clips (the floor) and the collapsed reference.

    ``generated`` maps a row name to (clips, actions).  ``real`` holds real clips drawn like the
    training clips but never trained on: its second half is the reference of every distance, its
    first half the floor and the source of the collapsed reference.  Prints the table and returns
    its rows keyed ``"real"``, ``"collapsed"`` and each given name.  A Fréchet distance estimated
    from fewer clips comes out larger, so every row's distance uses as many clips as the floor has
    (the first ones); its accuracy uses all of them.
    """
    if not generated:
        raise ValueError("generated: expected at least one {name: (clips, actions)}, got none")
    if len(real) < 4:
        raise ValueError(f"real: expected at least 4 clips, got {len(real)}")
    half = len(real) // 2
    floor_clips, reference = real.videos[:half], real.videos[half:]
    collapsed = collapsed_clips(
        SpriteClips(*(field[:half] for field in vars(real).values())),
        -(-half // len(ACTIONS)),  # at least as many clips as the floor
        seed=seed,
    )
    table = {
        "real": ("real clips (floor)", floor_clips, real.actions[:half]),
        **{
            name: (name, clips.detach().float().cpu(), actions)
            for name, (clips, actions) in generated.items()
        },
        "collapsed": ("collapsed: 1 real clip per action", collapsed.videos, collapsed.actions),
    }
    reference_features = _features(judge, _check_sprite_clips(reference, "reference"))
    rows = {}
    for key, (row_name, clips, actions) in table.items():
        clips = _check_sprite_clips(_same_length(clips, reference, row_name), row_name)
        if len(clips) < half:
            raise ValueError(
                f"{row_name}: expected at least {half} clips (as many as the floor), "
                f"got {len(clips)}"
            )
        distance = frechet_from_features(_features(judge, clips[:half]), reference_features)
        rows[key] = VideoReport(row_name, action_accuracy(judge, clips, actions), distance)
    print(f"{'':>34} | accuracy | video Fréchet distance to real clips (× collapsed)")
    for row in rows.values():
        print(row.line(rows["collapsed"].distance))
    return rows


def train_video_judge(steps: int = 900, seed: int = 0) -> tuple[VideoJudge, dict[int, float]]:
    """Train the judge on fresh procedural clips of every length and background; return it and
    its held-out action accuracy for each clip length."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    judge = VideoJudge()
    optimizer = torch.optim.Adam(judge.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    kinds = [(frames, background) for frames in CLIP_FRAMES for background in BACKGROUNDS]
    for step in tqdm(range(steps), desc="video judge"):
        frames, background = kinds[step % len(kinds)]
        clips = make_sprite_clips(32, frames=frames, background=background, seed=TRAIN_SEED + step)
        action_logits, shape_logits = judge(clips.videos)
        loss = F.cross_entropy(action_logits, clips.actions) + F.cross_entropy(
            shape_logits, clips.shapes
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    judge.eval()
    accuracies = {}
    for frames in CLIP_FRAMES:
        held_out = heldout_clips(frames=frames)
        accuracies[frames] = action_accuracy(judge, held_out.videos, held_out.actions)
    return judge, accuracies


def main() -> int:
    """Train the judge and ship it (``python -m course_utils.video_judge``)."""
    from .shipped import ship_modules

    judge, held_out = train_video_judge()
    lengths = ", ".join(f"{share:.2%} at {frames} frames" for frames, share in held_out.items())
    print(f"held-out action accuracy: {lengths}")
    if min(held_out.values()) < 0.98:
        print("the judge must reach 98% on held-out clips of every length: not shipped")
        return 1
    ship_modules({"judge": judge}, JUDGE_NAME, "python -m course_utils.video_judge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
