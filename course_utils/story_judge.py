"""The course's judge of story frames: what is where, and the measures of a story built on it.

For each of the nine places of a frame's 3×3 grid the judge says whether an object is there
and, if so, its shape, colour and size (``read_scenes``).  From its readings of generated
stories, ``score_stories`` measures:

* **agreement**: the object that sentence ``t`` introduces is in frame ``t``, at its place, with
  the attributes the sentence states;
* **persistence**: every object of an earlier frame is still at its place in frame ``t``, with
  its shape and its stated attributes;
* **consistency**: an object's *unstated* attributes (those the model had to choose) read the
  same in every later frame that shows it as in the frame where it appeared.

``frechet_distances`` adds a Fréchet distance in the judge's 128-d features, on single frames
and on whole stories (the frames' features side by side): stand-ins for FID and the Fréchet
Story Distance, whose Inception and R(2+1)D weights cannot be downloaded here.

The judge reads 3×32×32 frames (64×64 ones are averaged down to 32×32 first).  It is trained
on stories of seeds that the notebooks never use, by ``python -m course_utils.story_judge``,
and ships as ``data/checkpoints/story_judge.safetensors``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._checks import check_images, check_tensor, describe
from .data import NAMED_COLOURS, SHAPES, STORY_PLACES, STORY_SIZES, Stories, make_stories
from .device import eval_mode
from .video_judge import frechet_from_features

JUDGE_NAME = "story_judge"
FEATURES = 128
PLACES = len(STORY_PLACES)
# Per place: one presence logit, then the logits of shape, colour and size.
_SPLITS = (1, len(SHAPES), len(NAMED_COLOURS), len(STORY_SIZES))
TRAIN_SEED = 3_000_000  # the judge's own stories; notebooks draw theirs from small seeds
HELDOUT_SEED = 4_000_000
MIN_HELDOUT_ACCURACY = 0.97  # per attribute, on held-out frames, to ship


class StoryJudge(nn.Module):
    """Three convolutions → 128 features → per place of the grid: present, shape, colour, size."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 16, 16)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 64, 8, 8)
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),                   # (N, 64, 8, 8)
            nn.Flatten(), nn.Linear(64 * 8 * 8, FEATURES), nn.ReLU(),     # (N, 128)
        )  # fmt: skip
        self.head = nn.Linear(FEATURES, PLACES * sum(_SPLITS))

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        return self.body(frames)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(presence (N, 9), shape (N, 9, 3), colour (N, 9, 6), size (N, 9, 2)) logits."""
        logits = self.head(self.features(frames)).view(-1, PLACES, sum(_SPLITS))
        presence, *attributes = logits.split(_SPLITS, -1)
        return (presence.squeeze(-1), *attributes)


def load_story_judge(device: torch.device | str = "cpu") -> StoryJudge:
    """The shipped judge, verified against the manifest, in eval mode on ``device``."""
    from .shipped import load_shipped

    judge = StoryJudge()
    load_shipped(JUDGE_NAME, {"judge": judge})
    return judge.to(device).eval()


def _frames(images: object, name: str = "images") -> torch.Tensor:
    """Story frames …×3×H×W (H = W = 32 or 64) → M×3×32×32 in [-1, 1]."""
    images = check_images(images, name, ndim=(4, 5), channels=(3,))
    if images.shape[-2:] not in ((32, 32), (64, 64)):
        raise ValueError(f"{name}: expected 32×32 or 64×64 frames, got {describe(images)}")
    frames = images.reshape(-1, *images.shape[-3:]).float()
    return F.avg_pool2d(frames, 2) if frames.shape[-1] == 64 else frames


def _batched(judge: StoryJudge, frames: torch.Tensor, fn) -> list:
    device = next(judge.parameters()).device
    with eval_mode(judge), torch.no_grad():
        return [fn(batch.to(device)) for batch in frames.split(500)]


def read_scenes(judge: StoryJudge, images: torch.Tensor) -> torch.Tensor:
    """What the judge sees in each frame: …×9×3 (shape, colour, size per place; -1 = empty)."""
    frames = _frames(images)

    def read(batch: torch.Tensor) -> torch.Tensor:
        presence, *attributes = judge(batch)
        table = torch.stack([a.argmax(-1) for a in attributes], -1)  # (B, 9, 3)
        return torch.where(presence[..., None] > 0, table, -1).cpu()

    return torch.cat(_batched(judge, frames, read)).view(*images.shape[:-3], PLACES, 3)


def frame_features(judge: StoryJudge, images: torch.Tensor) -> torch.Tensor:
    """The judge's 128 features of every frame: …×128."""
    frames = _frames(images)
    features = torch.cat(_batched(judge, frames, lambda b: judge.features(b).cpu()))
    return features.view(*images.shape[:-3], FEATURES)


@dataclass
class StoryScores:
    """How well a set of stories follows its sentences (see the module's docstring)."""

    agreement: float
    persistence: float
    consistency: float

    def line(self, name: str) -> str:
        return (
            f"{name:>34} | {self.agreement:9.1%} | {self.persistence:11.1%} | "
            f"{self.consistency:11.1%}"
        )

    @staticmethod
    def header() -> str:
        return f"{'':>34} | agreement | persistence | consistency"


def _check_table(scenes: object, stories: Stories) -> torch.Tensor:
    scenes = check_tensor(scenes, "scenes")
    expected = (*stories.objects.shape[:2], PLACES, 3)
    if tuple(scenes.shape) != expected:
        raise ValueError(
            f"scenes: expected shape {expected} (the stories'), got {describe(scenes)}"
        )
    return scenes.long().cpu()


def score_stories(scenes: torch.Tensor, stories: Stories) -> StoryScores:
    """Agreement, persistence and consistency of the frames read as ``scenes`` (``read_scenes``
    of the generated images) against the sentences of ``stories``."""
    scenes = _check_table(scenes, stories)
    objects, stated = stories.objects, stories.stated  # (N, T, 4) each
    n, frames = objects.shape[:2]
    if frames < 2:
        raise ValueError(f"stories: expected at least 2 frames to score a story, got {frames}")
    places = objects[..., 3]
    # read[n, t, k]: what frame t shows at object k's place, (N, T, K=T, 3)
    read = scenes.gather(2, places[:, None, :, None].expand(n, frames, frames, 3))
    wanted = objects[..., :3][:, None].expand(n, frames, frames, 3)  # object k's attributes
    must_match = stated[..., :3][:, None].expand_as(wanted)  # the attributes sentence k states
    matches = (read == wanted) | ~must_match
    follows = matches.all(-1) & (read[..., 0] >= 0)  # object k drawn as sentence k says
    t_index = torch.arange(frames)
    new = follows[:, t_index, t_index]  # (N, T): the object of frame t's own sentence
    later = t_index[:, None] > t_index[None, :]  # [t, k]: frame t comes after object k's frame
    persistence = follows[:, later].float().mean().item()
    # Consistency: where object k shows in frame t (t > k) and where it appeared, its
    # unstated attributes must read the same.
    first = read[:, t_index, t_index]  # (N, K, 3): object k in its own frame
    both = (read[..., 0] >= 0) & (first[:, None, :, 0] >= 0) & later  # (N, T, K)
    unstated = ~stated[..., 1:3][:, None].expand(n, frames, frames, 2)  # colour, size
    items = both[..., None] & unstated
    same = read[..., 1:3] == first[:, None, :, 1:3]
    consistency = same[items].float().mean().item() if items.any() else 0.0
    return StoryScores(new.float().mean().item(), persistence, consistency)


def frechet_distances(
    judge: StoryJudge, images: torch.Tensor, reference: torch.Tensor
) -> tuple[float, float]:
    """(frame distance, story distance) between two sets of N×T×3×H×W stories, in the judge's
    features: of single frames, and of each story's frames side by side.

    ``reference`` may also be the reference stories' features, ``frame_features(judge, stories)``
    (N×T×128), so that a table of many rows reads its reference once.
    """
    for name, x in (("images", images), ("reference", reference)):
        if check_tensor(x, name).ndim not in ((5,) if name == "images" else (3, 5)):
            also = "" if name == "images" else " (or their N×T×128 features)"
            raise ValueError(f"{name}: expected N×T×3×H×W stories{also}, got {describe(x)}")
    if images.shape[1] != reference.shape[1]:
        raise ValueError(
            f"expected stories of the same length, got {images.shape[1]} and "
            f"{reference.shape[1]} frames"
        )
    a = frame_features(judge, images)
    b = reference if reference.ndim == 3 else frame_features(judge, reference)
    return (
        frechet_from_features(a.flatten(0, 1), b.flatten(0, 1)),
        frechet_from_features(a.flatten(1), b.flatten(1)),
    )


def _training_frames(step: int) -> Stories:
    """Frames with 1 to 9 objects (stories of 9 frames), at 32×32 or averaged down from 64×64."""
    return make_stories(8, frames=9, size=64 if step % 2 else 32, seed=TRAIN_SEED + step)


def _loss(judge: StoryJudge, stories: Stories) -> torch.Tensor:
    frames = _frames(stories.images)
    # A little noise of random strength: generated frames are never as clean as these.
    noise = 0.2 * torch.rand(len(frames), 1, 1, 1) * torch.randn_like(frames)
    presence, *attributes = judge((frames + noise).clamp(-1, 1))
    truth = stories.scenes.reshape(-1, PLACES, 3)
    present = truth[..., 0] >= 0
    loss = F.binary_cross_entropy_with_logits(presence, present.float())
    for k, logits in enumerate(attributes):
        loss = loss + F.cross_entropy(logits[present], truth[..., k][present])
    return loss


def heldout_accuracies(judge: StoryJudge, n: int = 100) -> dict[str, float]:
    """Per-place accuracy on held-out frames at 32×32 and 64×64: presence over every place, each
    attribute over the places that hold an object."""
    results = []
    for size in (32, 64):
        stories = make_stories(n, frames=9, size=size, seed=HELDOUT_SEED + size)
        results.append((read_scenes(judge, stories.images), stories.scenes))
    read, truth = (torch.cat(x).flatten(0, 1) for x in zip(*results, strict=True))
    present = truth[..., 0] >= 0
    scores = {"present": ((read[..., 0] >= 0) == present).float().mean().item()}
    for k, name in enumerate(("shape", "colour", "size")):
        scores[name] = (read[..., k][present] == truth[..., k][present]).float().mean().item()
    return scores


def train_story_judge(steps: int = 1500, seed: int = 0) -> tuple[StoryJudge, dict[str, float]]:
    """Train the judge on fresh procedural frames; return it and its held-out accuracies."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    judge = StoryJudge()
    optimizer = torch.optim.Adam(judge.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    for step in tqdm(range(steps), desc="story judge"):
        loss = _loss(judge, _training_frames(step))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    judge.eval()
    return judge, heldout_accuracies(judge)


def main() -> int:
    """Train the judge and ship it (``python -m course_utils.story_judge``)."""
    from .shipped import ship_modules

    judge, accuracies = train_story_judge()
    print("held-out accuracy: " + ", ".join(f"{k} {v:.2%}" for k, v in accuracies.items()))
    if min(accuracies.values()) < MIN_HELDOUT_ACCURACY:
        print(f"each must reach {MIN_HELDOUT_ACCURACY:.0%} on held-out frames: not shipped")
        return 1
    ship_modules({"judge": judge}, JUDGE_NAME, "python -m course_utils.story_judge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
