"""Self-checks for the notebooks' exercises.

Each ``check_*`` function calls the student's function on test inputs, prints whether the
answer is right (and a hint when not), and returns True or False.  It never raises, so a
notebook with unfinished exercises still runs headless; an exercise left as
``raise NotImplementedError`` is reported as not attempted.  The solutions are not here:
the checks test properties an answer must have.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch


class _ForbiddenCall(Exception):
    pass


@contextlib.contextmanager
def _forbidden(module: object, name: str) -> Iterator[None]:
    """While active, calling ``module.name`` fails: the exercise is to write it, not to call it."""
    original = getattr(module, name)

    def refuse(*args: object, **kwargs: object) -> None:
        raise _ForbiddenCall(f"write it yourself instead of calling {name}")

    setattr(module, name, refuse)
    try:
        yield
    finally:
        setattr(module, name, original)


def _run(name: str, check: Callable[[], str | None]) -> bool:
    """Run one check; it returns None when the answer is right, else a hint."""
    try:
        problem = check()
    except NotImplementedError:
        print(f"{name}: not attempted yet (replace the `raise NotImplementedError`)")
        return False
    except _ForbiddenCall as error:
        print(f"{name}: not yet ✗ {error}")
        return False
    except Exception as error:  # the student's code failed: show why, do not stop the notebook
        print(f"{name}: your function raised {type(error).__name__}: {error}")
        return False
    if problem is None:
        print(f"{name}: correct ✓")
        return True
    print(f"{name}: not yet ✗ {problem}")
    return False


def check_to_signed_unit(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Exercise (00): map uint8 pixels in [0, 255] to floats in [-1, 1]."""

    def check() -> str | None:
        pixels = torch.tensor([[0, 51, 127], [128, 204, 255]], dtype=torch.uint8)
        out = fn(pixels.clone())
        if not isinstance(out, torch.Tensor) or not out.is_floating_point():
            return "return a floating-point tensor"
        if out.shape != pixels.shape:
            return f"keep the shape {tuple(pixels.shape)}, got {tuple(out.shape)}"
        if abs(out.min().item() + 1) > 1e-6 or abs(out.max().item() - 1) > 1e-6:
            return "0 must map to -1 and 255 to +1"
        equal_steps = torch.allclose(
            out.flatten().diff() / pixels.flatten().float().diff(), torch.tensor(2 / 255), atol=1e-5
        )
        if not equal_steps:
            return "the mapping must be linear (equal pixel steps give equal output steps)"
        return None

    return _run("to_signed_unit", check)


def check_pca_reconstruct(fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> bool:
    """Exercise (01): PCA fitted on ``train`` (N×D) reconstructs ``test`` (M×D) from k numbers."""

    def check() -> str | None:
        from sklearn.decomposition import PCA

        generator = torch.Generator().manual_seed(7)
        mixing = torch.randn(6, 20, generator=generator)
        train = torch.randn(300, 6, generator=generator) @ mixing + 3.0
        test = torch.randn(50, 6, generator=generator) @ mixing + 3.0
        for k in (1, 3):
            out = fn(train.clone(), test.clone(), k)
            if not isinstance(out, torch.Tensor) or out.shape != test.shape:
                return f"return a tensor shaped like test {tuple(test.shape)}"
            pca = PCA(k).fit(train.double().numpy())
            expected = torch.from_numpy(pca.inverse_transform(pca.transform(test.double().numpy())))
            error = (out.double() - expected).abs().max().item()
            if error > 1e-3 * expected.abs().max().item():
                centred = "did you subtract the training mean, and add it back?"
                return f"k={k}: reconstructions differ from PCA's by up to {error:.3g}; {centred}"
        return None

    return _run("pca_reconstruct", check)


def check_best_guess(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Exercise (01): the single image with the lowest average MSE to K equally likely images."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(3)
        candidates = torch.rand(5, 1, 8, 8, generator=generator) * 2 - 1
        guess = fn(candidates.clone())
        if not isinstance(guess, torch.Tensor) or guess.shape != candidates.shape[1:]:
            return f"return one image of shape {tuple(candidates.shape[1:])}"

        def expected_mse(image: torch.Tensor) -> float:
            return (candidates - image).pow(2).mean().item()

        yours = expected_mse(guess)
        best_candidate = min(expected_mse(c) for c in candidates)
        nudges = [
            expected_mse(guess + 0.01 * torch.randn(guess.shape, generator=generator))
            for _ in range(20)
        ]
        if yours > best_candidate or min(nudges) < yours - 1e-7:
            return (
                f"your guess has average MSE {yours:.4f}, but some other image does better "
                f"(best single candidate: {best_candidate:.4f}). "
                "Minimise the average over the candidates."
            )
        return None

    return _run("best_guess", check)


def check_optimal_d(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Exercise (02): the optimal discriminator D* = p_data / (p_data + p_g), pointwise."""

    def check() -> str | None:
        p_data = torch.tensor([0.5, 0.2, 0.0, 1.3, 0.7])
        p_g = torch.tensor([0.5, 0.6, 0.4, 0.0, 0.1])
        out = fn(p_data.clone(), p_g.clone())
        if not isinstance(out, torch.Tensor) or out.shape != p_data.shape:
            return f"return a tensor shaped like the densities {tuple(p_data.shape)}"
        expected = p_data / (p_data + p_g)
        if not torch.allclose(out.float(), expected, atol=1e-5):
            if abs(out[0].item() - 0.5) > 1e-5:
                return "where p_data equals p_g, D* must be 1/2"
            return "D* is the share of p_data in p_data + p_g at each point"
        if not ((out >= 0) & (out <= 1)).all():
            return "a discriminator's output is a probability in [0, 1]"
        return None

    return _run("optimal_d", check)


def check_value_of_game(fn: Callable[[torch.Tensor, torch.Tensor, float], object]) -> bool:
    """Exercise (02): V(D*, G) by a Riemann sum equals -log 4 + 2 JSD(p_data, p_g)."""

    def check() -> str | None:
        x = torch.linspace(-8, 8, 4001, dtype=torch.float64)
        dx = float(x[1] - x[0])

        def gaussian(mean: float, std: float) -> torch.Tensor:
            return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * (2 * torch.pi) ** 0.5)

        def jsd(p: torch.Tensor, q: torch.Tensor) -> float:
            m = (p + q) / 2
            kl_p = torch.where(p > 0, p * torch.log(p / m), torch.zeros_like(p)).sum() * dx
            kl_q = torch.where(q > 0, q * torch.log(q / m), torch.zeros_like(q)).sum() * dx
            return float(kl_p + kl_q) / 2

        p_data = gaussian(0, 1)
        for p_g in (p_data, gaussian(1.5, 1), gaussian(-1, 1.3)):
            value = float(fn(p_data.clone(), p_g.clone(), dx))  # type: ignore[arg-type]
            expected = -torch.log(torch.tensor(4.0)).item() + 2 * jsd(p_data, p_g)
            if abs(value - expected) > 1e-3:
                same = "identical densities must give -log 4 ≈ -1.386; " if p_g is p_data else ""
                return f"{same}expected {expected:.4f}, got {value:.4f} (multiply the sum by dx)"
        return None

    return _run("value_at_optimum", check)


def check_spiral_growth(fn: Callable[[float], float]) -> bool:
    """Exercise (03): the per-step growth of the distance under simultaneous steps on V = xy."""

    def check() -> str | None:
        for eta in (0.05, 0.1, 0.3, 1.0):
            x, y = 0.6, -0.8
            measured = ((x - eta * y) ** 2 + (y + eta * x) ** 2) ** 0.5  # one step from radius 1
            answer = float(fn(eta))  # type: ignore[arg-type]
            if abs(answer - measured) > 1e-6:
                return (
                    f"η={eta}: one step multiplies the radius by {measured:.5f}, got {answer:.5f}"
                )
        return None

    return _run("spiral_growth", check)


def check_update_matrix(fn: Callable[[float], torch.Tensor]) -> bool:
    """Exercise (03): the 2×2 matrix of alternating gradient steps on V = xy."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(3)
        for eta in (0.1, 0.5):
            matrix = fn(eta)
            if not isinstance(matrix, torch.Tensor) or matrix.shape != (2, 2):
                return "return a 2×2 tensor"
            for x, y in torch.randn(5, 2, dtype=torch.float64, generator=generator).tolist():
                x_new = x - eta * y
                y_new = y + eta * x_new
                got = matrix.double() @ torch.tensor([x, y], dtype=torch.float64)
                if not torch.allclose(
                    got, torch.tensor([x_new, y_new], dtype=torch.float64), atol=1e-6
                ):
                    return (
                        f"η={eta}: M @ (x, y) should give one alternating step; y answers the NEW x"
                    )
            modulus = torch.linalg.eigvals(matrix.double()).abs()
            if not torch.allclose(modulus, torch.ones(2, dtype=torch.float64), atol=1e-6):
                return "its eigenvalues should have modulus 1 (alternating steps orbit)"
        return None

    return _run("alternating_matrix", check)


def check_transposed_output_size(fn: Callable[[int, int, int, int], int]) -> bool:
    """Exercise (04): the output size of ``nn.ConvTranspose2d`` for an input of size ``size``."""

    def check() -> str | None:
        for size, kernel, stride, padding in (
            (7, 4, 2, 1),
            (1, 4, 1, 0),
            (14, 4, 2, 1),
            (5, 3, 1, 1),
            (4, 5, 3, 2),
            (10, 2, 2, 0),
        ):
            layer = torch.nn.ConvTranspose2d(1, 1, kernel, stride, padding)
            expected = layer(torch.zeros(1, 1, size, size)).shape[-1]
            answer = fn(size, kernel, stride, padding)
            if answer != expected:
                return (
                    f"size {size}, kernel {kernel}, stride {stride}, padding {padding}: "
                    f"PyTorch gives {expected}, you gave {answer} "
                    "(input pixels land `stride` apart, each spreads over `kernel` pixels)"
                )
        return None

    return _run("transposed_output_size", check)


def check_slerp(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Exercise (04): spherical interpolation between two vectors."""

    def angle(a: torch.Tensor, b: torch.Tensor) -> float:
        cosine = (a @ b / (a.norm() * b.norm())).clamp(-1, 1)
        return float(torch.arccos(cosine))

    def check() -> str | None:
        generator = torch.Generator().manual_seed(4)
        z0, z1 = torch.randn(2, 64, dtype=torch.float64, generator=generator)
        z1 = z1 * z0.norm() / z1.norm()  # equal norms
        for t in (0.0, 1.0):
            out = fn(z0.clone(), z1.clone(), t)
            if not isinstance(out, torch.Tensor) or out.shape != z0.shape:
                return f"return a tensor shaped like z0 {tuple(z0.shape)}"
            if not torch.allclose(out.double(), (z0, z1)[int(t)], atol=1e-5):
                return f"at t={t:g} slerp must return {'z0' if t == 0 else 'z1'}"
        omega = angle(z0, z1)
        for t in (0.25, 0.5, 0.8):
            out = fn(z0.clone(), z1.clone(), t).double()
            if abs(out.norm() - z0.norm()) > 1e-4 * z0.norm():
                return (
                    f"t={t}: the norm should stay {z0.norm():.3f}, got {out.norm():.3f} "
                    "(a straight line between the ends is shorter in the middle)"
                )
            if abs(angle(z0, out) - t * omega) > 1e-4:
                return (
                    f"t={t}: the angle from z0 should be t·Ω = {t * omega:.4f}, "
                    f"got {angle(z0, out):.4f}"
                )
        return None

    return _run("slerp", check)


def check_within_class_variety(fn: Callable[[torch.Tensor, torch.Tensor], object]) -> bool:
    """Exercise (05): the mean squared distance to the class mean, averaged over classes."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(5)
        features = torch.randn(60, 8, dtype=torch.float64, generator=generator)
        labels = torch.arange(3).repeat_interleave(20)
        features[labels == 2] *= 3  # classes with different spreads: average per class, not pooled
        expected = torch.stack(
            [
                (features[labels == c] - features[labels == c].mean(0)).pow(2).sum(1).mean()
                for c in range(3)
            ]
        ).mean()
        answer = float(fn(features.clone(), labels.clone()))  # type: ignore[arg-type]
        if abs(answer - float(expected)) > 1e-6 * float(expected):
            pooled = (features - features.mean(0)).pow(2).sum(1).mean()
            if abs(answer - float(pooled)) < 1e-6 * float(pooled):
                return "subtract each class's own mean, not the mean of all features"
            if abs(answer - float(expected) * 20 / 19) < 1e-6 * float(expected):
                return (
                    "close: this divides each class's squared distances by one less than the "
                    "number of vectors (torch.var's default); a mean divides by the number itself"
                )
            return (
                "not the mean squared distance to each class's own mean, averaged over the "
                "classes: for one class, sum the squared differences over the features, then "
                "average over the vectors of the class"
            )
        repeated = features[labels * 20]  # every member of a class is the same vector
        if abs(float(fn(repeated, labels))) > 1e-9:  # type: ignore[arg-type]
            return "a collapsed set (one vector repeated per class) must have variety 0"
        if abs(float(fn(2 * features, labels)) - 4 * answer) > 1e-6 * answer:  # type: ignore[arg-type]
            return "scaling the features by 2 should multiply the variety by 4 (squared distances)"
        if abs(float(fn(features, (labels + 1) % 3)) - answer) > 1e-6 * answer:  # type: ignore[arg-type]
            return "renaming the classes should not change the variety"
        return None

    return _run("within_class_variety", check)


def check_pixel_shuffle(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Exercise (07): rearrange N×(C·r²)×H×W into N×C×(H·r)×(W·r), as ``nn.PixelShuffle``."""

    def check() -> str | None:
        if fn in (torch.nn.functional.pixel_shuffle, torch.pixel_shuffle):
            return "write it yourself instead of passing torch's pixel_shuffle"
        generator = torch.Generator().manual_seed(7)
        for shape, factor in (((2, 4, 3, 5), 2), ((1, 18, 2, 2), 3), ((3, 16, 1, 4), 4)):
            x = torch.randn(shape, generator=generator)
            expected = torch.nn.functional.pixel_shuffle(x, factor)
            with _forbidden(torch.nn.functional, "pixel_shuffle"):
                with _forbidden(torch, "pixel_shuffle"):
                    out = fn(x.clone(), factor)
            n, c, h, w = shape
            expected_shape = (n, c // factor**2, h * factor, w * factor)
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != expected_shape:
                return f"input {shape} with r={factor}: expected shape {expected_shape}"
            if not torch.equal(out.flatten().sort().values, x.flatten().sort().values):
                return "a pixel shuffle only moves values: the output must hold the input's values"
            if not torch.equal(out, expected):
                return (
                    "right values, wrong places: feed it torch.arange(4.).view(1, 4, 1, 1) with "
                    "r = 2 and compare where each channel lands with the formula in section 3"
                )
        return None

    return _run("pixel_shuffle", check)


def check_receptive_field(fn: Callable[[list[tuple[int, int]]], int]) -> bool:
    """Exercise (06): how many input pixels one output pixel of a conv stack sees."""

    def measured(layers: list[tuple[int, int]]) -> int:
        # Backpropagate from one output pixel and count the input pixels that receive gradient.
        convs = [torch.nn.Conv2d(1, 1, kernel, stride, bias=False) for kernel, stride in layers]
        for conv in convs:
            torch.nn.init.ones_(conv.weight)
        stack = torch.nn.Sequential(*convs)
        image = torch.zeros(1, 1, 200, 200, requires_grad=True)
        output = stack(image)
        output[0, 0, output.shape[2] // 2, output.shape[3] // 2].backward()
        assert image.grad is not None
        return int((image.grad[0, 0].abs().sum(0) > 0).sum())

    def check() -> str | None:
        for layers in (
            [(3, 1)],
            [(3, 1), (3, 1)],
            [(4, 2), (4, 2), (3, 1)],
            [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],
            [(5, 3), (2, 2)],
        ):
            expected, answer = measured(layers), fn(list(layers))
            if answer != expected:
                return (
                    f"layers {layers}: your {answer} is too "
                    f"{'small' if answer < expected else 'large'} (walk back from one output "
                    "pixel, layer by layer: how far apart are the pixels a layer reads, after the "
                    "strides of the layers before it?)"
                )
        return None

    return _run("receptive_field", check)


def check_swap_digits(
    fn: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
) -> bool:
    """Exercise (08): a cycle-consistent "translation" that changes every digit's class."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(8)
        labels = torch.arange(10).repeat(4)[torch.randperm(40, generator=generator)]
        images = (
            torch.rand(40, 1, 28, 28, generator=generator) * 2 - 1
        )  # 4 distinct "digits" per class
        out = fn(images.clone(), labels.clone())
        if not isinstance(out, tuple) or len(out) != 2:
            return "return a pair (swapped images, their labels)"
        swapped, swapped_labels = out
        if swapped.shape != images.shape or swapped_labels.shape != labels.shape:
            return "return tensors shaped like the inputs"
        for image, label in zip(swapped, swapped_labels, strict=True):
            match = (images == image).flatten(1).all(1).nonzero()
            if len(match) != 1 or labels[match[0, 0]] != label:
                return "each output must be one of the input digits, with that digit's own label"
        if (swapped_labels == labels).any():
            return "no digit may keep its class"
        back, back_labels = fn(swapped.clone(), swapped_labels.clone())
        if not (torch.equal(back, images) and torch.equal(back_labels, labels)):
            return (
                "applying it twice must give back the input (a cycle): pair the classes both ways"
            )
        return None

    return _run("swap_digits", check)


def check_x0_and_eps_from_v(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], object],
) -> bool:
    """Exercise (09): recover (x0, ε) from x_t = αx0 + σε and v = αε - σx0, where α² + σ² = 1."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(9)
        x0 = torch.rand(8, 1, 4, 4, generator=generator, dtype=torch.float64) * 2 - 1
        eps = torch.randn(8, 1, 4, 4, generator=generator, dtype=torch.float64)
        angle = torch.rand(8, 1, 1, 1, generator=generator, dtype=torch.float64) * torch.pi / 2
        alpha, sigma = torch.cos(angle), torch.sin(angle)
        x_t, v = alpha * x0 + sigma * eps, alpha * eps - sigma * x0
        answer = fn(x_t.clone(), v.clone(), alpha.clone(), sigma.clone())
        if not isinstance(answer, tuple) or len(answer) != 2:
            return f"expected a pair (x0, eps), got {type(answer).__name__}"
        got_x0, got_eps = answer
        if not torch.allclose(got_x0, x0, atol=1e-9):
            return "x0 is wrong: write x0 as a combination of x_t and v (α² + σ² = 1 helps)"
        if not torch.allclose(got_eps, eps, atol=1e-9):
            return "eps is wrong: write ε as a combination of x_t and v"
        pure_noise = fn(eps, -x0, torch.zeros_like(alpha), torch.ones_like(sigma))  # t = 1
        if not torch.allclose(pure_noise[0], x0, atol=1e-9):  # type: ignore[index]
            return "at t = 1 (α = 0, σ = 1) x_t is pure noise and v = -x0: x0 must still come out"
        return None

    return _run("x0_and_eps_from_v", check)


def check_two_stream_blend(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> bool:
    """Exercise (10): the clips m_t ⊙ f_t + (1 - m_t) ⊙ b.

    f is N×T×C×H×W, m is N×T×1×H×W and b, one background per clip, N×C×H×W.
    """

    def check() -> str | None:
        generator = torch.Generator().manual_seed(10)
        foreground = torch.rand(2, 5, 3, 4, 6, generator=generator) * 2 - 1
        background = torch.rand(2, 3, 4, 6, generator=generator) * 2 - 1
        mask = torch.rand(2, 5, 1, 4, 6, generator=generator)
        blended = fn(foreground.clone(), mask.clone(), background.clone())
        if not isinstance(blended, torch.Tensor) or blended.shape != foreground.shape:
            shape = getattr(blended, "shape", type(blended).__name__)
            return f"expected clips of shape {tuple(foreground.shape)}, got {shape}"
        ones, zeros = torch.ones_like(mask), torch.zeros_like(mask)
        if not torch.allclose(fn(foreground, ones, background), foreground):
            return "a mask of 1 everywhere must give the foreground"
        if not torch.allclose(
            fn(foreground, zeros, background), background[:, None].expand_as(foreground)
        ):
            return "a mask of 0 must give the background, one image per clip, in every frame"
        expected = mask * foreground + (1 - mask) * background[:, None]
        if not torch.allclose(blended, expected, atol=1e-6):
            return (
                "right at masks of 0 and 1, wrong in between: a mask of 0.25 should take a quarter "
                "of each pixel from the foreground"
            )
        return None

    return _run("two_stream_blend", check)
