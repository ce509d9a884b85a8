"""`make bench` runs both training steps; the course's step really trains its networks."""

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
