"""`make bench` runs both training steps; the course's step really trains its networks."""

import pytest
import torch

from course_utils import bench


def test_both_steps_run_and_report_a_ratio():
    results = bench.run(torch.device("cpu"), z_size=8, width=4, batch=4, steps=1)
    assert set(results) == {"reference", "course", "ratio"}
    assert all(value > 0 for value in results.values())
    assert abs(results["ratio"] - results["course"] / results["reference"]) < 1e-9


def test_the_course_step_updates_both_networks(monkeypatch):
    built = []
    for name in ("dcgan_generator", "dcgan_discriminator"):
        original = getattr(bench, name)

        def keep(*args, original=original):
            network = original(*args)
            built.append(network)
            return network

        monkeypatch.setattr(bench, name, keep)
    step = bench.course_step(torch.device("cpu"), 8, 4, 4)
    before = [[p.detach().clone() for p in network.parameters()] for network in built]
    step()
    for network, old in zip(built, before, strict=True):
        assert any(not torch.equal(p, q) for p, q in zip(network.parameters(), old, strict=True))


def test_networks_have_the_dcgan_shapes():
    generator = bench.dcgan_generator(100, 8, 3)
    discriminator = bench.dcgan_discriminator(8, 3)
    images = generator(torch.randn(2, 100, 1, 1))
    assert images.shape == (2, 3, 64, 64) and images.abs().max() <= 1
    assert discriminator(images).shape == (2,)


def test_pix2pix_steps_run_and_report_a_ratio():
    results = bench.run_pix2pix(torch.device("cpu"), width=4, size=32, batch=1, steps=1)
    assert set(results) == {"reference", "course", "ratio"}
    assert all(value > 0 for value in results.values())


def test_pix2pix_networks_have_the_reference_shapes():
    generator = bench.unet_generator(8)  # unet_256: eight halvings
    image = torch.rand(1, 3, 256, 256) * 2 - 1
    assert generator(image).shape == image.shape
    discriminator = bench.patch_discriminator(8)
    assert discriminator(torch.cat([image, image], 1)).shape == (1, 1, 30, 30)  # 70×70 patches
    full_size = sum(p.numel() for p in bench.unet_generator(64).parameters())
    assert 54_000_000 < full_size < 55_000_000  # the reference unet_256 has 54.4 M parameters
    with pytest.raises(ValueError, match="power of two"):
        bench.run_pix2pix(torch.device("cpu"), width=4, size=48, steps=1)
