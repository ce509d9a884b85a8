"""Self-checks for the notebooks' exercises.

Each ``check_*`` function calls the student's function on test inputs, prints whether the
answer is right (and a hint when not), and returns True or False.  It never raises, so a
notebook with unfinished exercises still runs headless; an exercise left as
``raise NotImplementedError`` is reported as not attempted.  The solutions are not here:
the checks test properties an answer must have.
"""

from __future__ import annotations

import contextlib
import math
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


def check_to_pixels(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Exercise (00): back from floats in [-1, 1] to uint8 pixels, for saving an image."""

    def check() -> str | None:
        pixels = torch.arange(256, dtype=torch.uint8)
        out = fn(pixels.float() / 127.5 - 1)
        if not isinstance(out, torch.Tensor) or out.dtype != torch.uint8:
            return "return a torch.uint8 tensor"
        if out.shape != pixels.shape:
            return f"keep the shape {tuple(pixels.shape)}, got {tuple(out.shape)}"
        if not torch.equal(out, pixels):
            wrong = int((out != pixels).nonzero()[0, 0])
            off_by_one = (out.int() - pixels.int()).abs().max() <= 1
            hint = (
                "round to the nearest integer rather than cutting off"
                if off_by_one
                else ("-1 must map to 0 and +1 to 255, linearly")
            )
            return (
                f"pixel {wrong} mapped to [-1, 1] and back came out as {out[wrong].item()}: {hint}"
            )
        exact = pixels.float() / 127.5 - 1  # a network's output is never exactly on a pixel value
        if not (torch.equal(fn(exact - 1e-4), pixels) and torch.equal(fn(exact + 1e-4), pixels)):
            return "values a hair away from a pixel's value must round to that pixel"
        outside = fn(torch.tensor([-1.7, -1.0, 1.0, 2.5]))
        if outside.tolist() != [0, 0, 255, 255]:
            return f"values outside [-1, 1] must clip to 0 or 255, got {outside.tolist()}"
        return None

    return _run("to_pixels", check)


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


def check_optimal_d(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Exercise (02): the best D when a share ``real_share`` of D's examples are real."""

    def check() -> str | None:
        p_data = torch.tensor([0.5, 0.2, 0.0, 1.3, 0.7, 0.3], dtype=torch.float64)
        p_g = torch.tensor([0.5, 0.6, 0.4, 0.0, 0.1, 0.9], dtype=torch.float64)
        for share in (0.5, 0.25, 0.8):
            out = fn(p_data.clone(), p_g.clone(), share)
            if not isinstance(out, torch.Tensor) or out.shape != p_data.shape:
                return f"return a tensor shaped like the densities {tuple(p_data.shape)}"
            out = out.double()
            if not (torch.isfinite(out) & (out >= 0) & (out <= 1)).all():
                return "a discriminator's output is a probability in [0, 1]"

            def objective(d: torch.Tensor, share: float = share) -> torch.Tensor:  # per point
                d = d.clamp(1e-12, 1 - 1e-12)
                return share * p_data * d.log() + (1 - share) * p_g * (1 - d).log()

            for nudge in (-1e-3, 1e-3):
                better = objective((out + nudge).clamp(0, 1)) > objective(out) + 1e-12
                if better.any():
                    i = int(better.nonzero()[0, 0])
                    return (
                        f"real share {share}: at the point with p_data = {p_data[i].item():g}, "
                        f"p_g = {p_g[i].item():g} a slightly different D scores higher on D's "
                        "objective; maximise it point by point"
                    )
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


def check_damped_growth(fn: Callable[[float, float], float]) -> bool:
    """Exercise (03): the long-run growth per step of simultaneous steps on V = xy when the
    y-player is penalised by (γ/2) y²."""

    def check() -> str | None:
        for eta, gamma in ((0.1, 0.0), (0.1, 0.05), (0.1, 0.3), (0.5, 1.0), (0.3, 5.0)):
            x, y, log_growth, steps = 0.6, -0.8, 0.0, 4000
            for step in range(steps):  # measured: the mean log growth over the second half
                x, y = x - eta * y, y + eta * (x - gamma * y)
                radius = (x * x + y * y) ** 0.5
                if step >= steps // 2:
                    log_growth += math.log(radius)
                x, y = x / radius, y / radius
            measured = math.exp(log_growth / (steps - steps // 2))
            answer = float(fn(eta, gamma))  # type: ignore[arg-type]
            if not abs(answer - measured) <= 2e-3 * measured:
                return (
                    f"η={eta}, γ={gamma}: in the long run a step multiplies the distance by "
                    f"{measured:.4f}, got {answer:.4f}; write one step as a matrix, as in section 4"
                )
        return None

    return _run("damped_growth", check)


def check_optimistic_matrix(fn: Callable[[float], torch.Tensor]) -> bool:
    """Exercise (03): the 4×4 matrix of optimistic steps on the state (x_t, y_t, x_t-1, y_t-1)."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(3)
        for eta in (0.1, 0.4):
            matrix = fn(eta)
            if not isinstance(matrix, torch.Tensor) or matrix.shape != (4, 4):
                return "return a 4×4 tensor: the state holds today's point and yesterday's"
            matrix = matrix.double()
            states = torch.randn(5, 4, dtype=torch.float64, generator=generator)
            for x, y, x_prev, y_prev in states.tolist():
                state = torch.tensor([x, y, x_prev, y_prev], dtype=torch.float64)
                after = torch.tensor(
                    [x - eta * (2 * y - y_prev), y + eta * (2 * x - x_prev), x, y],
                    dtype=torch.float64,
                )
                got = matrix @ state
                if not torch.allclose(got[2:], after[2:], atol=1e-6):
                    return "after a step, yesterday's point is the point we just left"
                if not torch.allclose(got, after, atol=1e-6):
                    return f"η={eta}: M @ state should give one optimistic step of section 5"
        if not torch.linalg.eigvals(fn(0.1).double()).abs().max() < 1:
            return "at η = 0.1 optimistic steps converge: every eigenvalue inside the unit circle"
        return None

    return _run("optimistic_matrix", check)


def check_taps_per_output(fn: Callable[[int, int, int, int], object]) -> bool:
    """Exercise (04): how many kernel taps of a 1-D transposed convolution land on each output."""

    def check() -> str | None:
        for size, kernel, stride, padding in (
            (4, 4, 2, 1),
            (7, 4, 2, 1),
            (5, 3, 2, 1),
            (6, 5, 2, 2),
            (5, 3, 1, 1),
            (4, 6, 3, 0),
            (3, 2, 2, 0),
        ):
            with _forbidden(torch.nn.functional, "conv_transpose1d"):
                answer = torch.as_tensor(fn(size, kernel, stride, padding)).flatten()
            ones = torch.ones(1, 1, size, dtype=torch.float64)
            expected = torch.nn.functional.conv_transpose1d(
                ones, torch.ones(1, 1, kernel, dtype=torch.float64), stride=stride, padding=padding
            ).flatten()
            settings = f"size {size}, kernel {kernel}, stride {stride}, padding {padding}"
            if answer.shape != expected.shape:
                return (
                    f"{settings}: the output has {len(expected)} pixels (section 2), "
                    f"you returned {answer.numel()} counts"
                )
            if not torch.equal(answer.double(), expected):
                first = int((answer.double() != expected).nonzero()[0, 0])
                return (
                    f"{settings}: the count at output pixel {first} is off. Follow one input "
                    "pixel: where does its copy of the kernel land in the output?"
                )
        return None

    return _run("taps_per_output", check)


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


def check_label_planes(fn: Callable[[torch.Tensor, int, int, int], torch.Tensor]) -> bool:
    """Exercise (05): labels as one-hot planes, N×classes×H×W, for input conditioning."""

    def check() -> str | None:
        labels = torch.tensor([3, 0, 9, 3, 7])
        planes = fn(labels.clone(), 10, 6, 4)
        if not isinstance(planes, torch.Tensor) or tuple(planes.shape) != (5, 10, 6, 4):
            return "for 5 labels, 10 classes and 6×4 images return a tensor of shape (5, 10, 6, 4)"
        if not planes.is_floating_point():
            return "return floats: the planes are stacked with images as extra input channels"
        if not ((planes == 0) | (planes == 1)).all():
            return "every value is 0 or 1"
        if not (planes.sum(1) == 1).all():
            return "at every pixel exactly one of the class planes should hold a 1"
        if not (planes.argmax(1) == labels[:, None, None]).all():
            return "the plane that holds the ones must be the one of the image's label"
        return None

    return _run("label_planes", check)


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


def check_icnr(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Exercise (07): ICNR, a weight for conv + pixel shuffle that starts without a grid."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(7)
        factor, channels = 4, 2
        weight = torch.randn(channels * factor**2, 3, 3, 3, generator=generator) * 0.1
        new = fn(weight.clone(), factor)
        if not isinstance(new, torch.Tensor) or new.shape != weight.shape:
            return f"return a weight of the same shape, {tuple(weight.shape)}"
        images = torch.randn(2, 3, 5, 5, generator=generator)
        out = torch.nn.functional.pixel_shuffle(
            torch.nn.functional.conv2d(images, new, padding=1), factor
        )
        blocks = out.unflatten(2, (5, factor)).unflatten(4, (5, factor))  # N, C, H, r, W, r
        spread = blocks.amax((3, 5)) - blocks.amin((3, 5))
        if spread.max() > 1e-5 * out.abs().max().clamp_min(1e-12):
            return (
                "after the pixel shuffle the 4×4 blocks are not flat: find which "
                "of the conv's output channels land in one block"
            )
        if not 0.5 < new.std().item() / weight.std().item() < 2:
            return "keep the initial weights' scale: the network must still start random"
        if torch.allclose(out[:, 0], out[:, 1]):
            return "the two output channels should get different filters"
        return None

    return _run("icnr", check)


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


def check_jitter_pair(
    fn: Callable[[torch.Tensor, torch.Tensor, int, torch.Generator], tuple[torch.Tensor, ...]],
) -> bool:
    """Exercise (06): pix2pix's random jitter, one random shift and mirror per pair."""

    def candidates(image: torch.Tensor, max_shift: int) -> list[torch.Tensor]:
        # every shift of up to max_shift pixels (background -1 coming in), mirrored or not
        height, width = image.shape[-2:]
        padded = torch.nn.functional.pad(image, (max_shift,) * 4, value=-1.0)
        span = range(2 * max_shift + 1)
        shifted = [padded[..., dy : dy + height, dx : dx + width] for dy in span for dx in span]
        return shifted + [moved.flip(-1) for moved in shifted]

    def check() -> str | None:
        generator = torch.Generator().manual_seed(6)
        x = torch.rand(32, 1, 12, 12, generator=generator) * 2 - 1
        y = torch.rand(32, 1, 12, 12, generator=generator) * 2 - 1
        out = fn(x.clone(), y.clone(), 2, torch.Generator().manual_seed(0))
        if not isinstance(out, tuple) or len(out) != 2:
            return "return the pair (jittered x, jittered y)"
        if any(not isinstance(t, torch.Tensor) or t.shape != x.shape for t in out):
            return f"keep the shape of the batch, {tuple(x.shape)}"
        used = set()
        for i in range(len(x)):
            matches = [
                k
                for k, (cx, cy) in enumerate(
                    zip(candidates(x[i], 2), candidates(y[i], 2), strict=True)
                )
                if torch.equal(out[0][i], cx) and torch.equal(out[1][i], cy)
            ]
            if not matches:
                return (
                    f"pair {i} is not the input pair moved by the SAME shift of at most 2 pixels "
                    "(background -1 filling in) and mirrored or not, both alike"
                )
            used.add(matches[0])
        mirrored = {k >= 25 for k in used}  # candidates 25 and up are the mirrored ones
        if len(used) < 3 or mirrored != {True, False}:
            return "the shifts and mirrors must be random: a different choice for each pair"
        return None

    return _run("jitter_pair", check)


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


def check_gaussian_frechet(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], object],
) -> bool:
    """Exercise (08): the Fréchet distance between two Gaussians, by properties."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(8)

        def covariance(dim: int) -> torch.Tensor:
            root = torch.randn(dim, dim, dtype=torch.float64, generator=generator)
            return root @ root.T / dim + 0.1 * torch.eye(dim, dtype=torch.float64)

        mean_a, mean_b = torch.randn(2, 5, dtype=torch.float64, generator=generator)
        cov_a, cov_b = covariance(5), covariance(5)

        def distance(*args: torch.Tensor) -> float:
            return float(fn(*(a.clone() for a in args)))  # type: ignore[arg-type]

        if abs(distance(mean_a, cov_a, mean_a, cov_a)) > 1e-6:
            return "a Gaussian's distance to itself must be 0"
        shift = torch.full((5,), 0.5, dtype=torch.float64)
        moved = distance(mean_a + shift, cov_a, mean_a, cov_a)
        if abs(moved - float(shift @ shift)) > 1e-6:
            return "moving the mean by d, with the same covariance, should give |d|²"
        a_var, b_var = torch.tensor([1.0, 4.0, 0.25]), torch.tensor([4.0, 1.0, 0.25])
        diagonal = distance(torch.zeros(3), torch.diag(a_var), torch.zeros(3), torch.diag(b_var))
        if abs(diagonal - float((a_var.sqrt() - b_var.sqrt()).pow(2).sum())) > 1e-5:
            return (
                "for diagonal covariances the distance is a sum over the coordinates of "
                "(difference of standard deviations)²"
            )
        forward, backward = (
            distance(mean_a, cov_a, mean_b, cov_b),
            distance(mean_b, cov_b, mean_a, cov_a),
        )
        if abs(forward - backward) > 1e-6 * abs(forward) or forward <= 0:
            return "a distance is positive for different Gaussians and symmetric"
        rotation = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64, generator=generator))[0]
        turned = distance(
            rotation @ mean_a,
            rotation @ cov_a @ rotation.T,
            rotation @ mean_b,
            rotation @ cov_b @ rotation.T,
        )
        if abs(turned - forward) > 1e-6 * forward:
            return (
                "rotating both Gaussians must not change their distance: covariances that are "
                "not diagonal need matrix square roots, not square roots of the entries"
            )
        return None

    return _run("gaussian_frechet", check)


def check_v_from_eps(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> bool:
    """Exercise (09): the velocity v = αε - σx0 from x_t = αx0 + σε and ε, where α² + σ² = 1."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(9)
        x0 = torch.rand(8, 1, 4, 4, generator=generator, dtype=torch.float64) * 2 - 1
        eps = torch.randn(8, 1, 4, 4, generator=generator, dtype=torch.float64)
        angle = 0.05 + torch.rand(8, 1, 1, 1, generator=generator, dtype=torch.float64) * 1.4
        alpha, sigma = torch.cos(angle), torch.sin(angle)
        x_t, v = alpha * x0 + sigma * eps, alpha * eps - sigma * x0
        answer = fn(x_t.clone(), eps.clone(), alpha.clone(), sigma.clone())
        if not isinstance(answer, torch.Tensor) or answer.shape != v.shape:
            return f"return v, a tensor shaped like x_t, {tuple(v.shape)}"
        if not torch.allclose(answer.double(), v, atol=1e-9):
            return (
                "v is wrong: the clean image x0 is not an input, but x_t and ε determine it; "
                "write it from them first"
            )
        return None

    return _run("v_from_eps", check)


def check_alpha_sigma_from_log_snr(fn: Callable[[torch.Tensor], tuple[torch.Tensor, ...]]) -> bool:
    """Exercise (09): the variance-preserving (alpha, sigma) of a log signal-to-noise ratio."""

    def check() -> str | None:
        log_snr = torch.tensor([-40.0, -8.0, -1.0, 0.0, 0.5, 3.0, 12.0, 40.0], dtype=torch.float64)
        out = fn(log_snr.clone())
        if not isinstance(out, tuple) or len(out) != 2:
            return "return the pair (alpha, sigma)"
        alpha, sigma = (torch.as_tensor(t, dtype=torch.float64) for t in out)
        if alpha.shape != log_snr.shape or sigma.shape != log_snr.shape:
            return f"return one alpha and one sigma per log SNR, shape {tuple(log_snr.shape)}"
        if not (torch.isfinite(alpha) & torch.isfinite(sigma)).all():
            return "got inf or nan at a large |log SNR|: find a form that cannot overflow"
        if not ((alpha > 0) & (sigma > 0)).all():
            return "alpha and sigma are positive, even at a log SNR of ±40"
        if not torch.allclose(alpha**2 + sigma**2, torch.ones_like(alpha), atol=1e-9):
            return "variance preserving: alpha² + sigma² must be 1"
        if not torch.allclose(2 * (alpha.log() - sigma.log()), log_snr, atol=1e-6):
            return "log(alpha² / sigma²) must give back the log SNR"
        return None

    return _run("alpha_sigma_from_log_snr", check)


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


def check_shuffle_frames(fn: Callable[[torch.Tensor, torch.Generator], torch.Tensor]) -> bool:
    """Exercise (10): a control clip set, each clip's frames in a new random order."""

    def check() -> str | None:
        generator = torch.Generator().manual_seed(10)
        clips = torch.rand(16, 6, 1, 4, 4, generator=generator)
        original = clips.clone()
        out = fn(clips, torch.Generator().manual_seed(0))
        if not torch.equal(clips, original):
            return "leave the input clips as they are: return new ones"
        if not isinstance(out, torch.Tensor) or out.shape != clips.shape:
            return f"return clips of the same shape, {tuple(clips.shape)}"
        orders = []
        for clip, shuffled in zip(clips, out, strict=True):
            same = (shuffled.flatten(1)[:, None] == clip.flatten(1)[None]).all(-1)  # out t vs in s
            if not (same.sum(1) == 1).all() or not (same.sum(0) == 1).all():
                return "each clip must keep exactly its own frames, each frame once"
            orders.append(tuple(same.int().argmax(1).tolist()))
        if any(order == tuple(range(clips.shape[1])) for order in orders):
            return "every clip's order must change (a clip left in order is no control)"
        if len(set(orders)) < 4:
            return "draw a new random order for each clip"
        return None

    return _run("shuffle_frames", check)


def check_gaussian_kl(fn: Callable[..., torch.Tensor]) -> bool:
    """Exercise (11): KL(N(mu, sigma^2) || N(m, s^2)) for diagonal Gaussians, summed over the code's
    components and averaged over the batch (the notebook's term is the case m = 0, s = 1)."""

    def check() -> str | None:
        g = torch.Generator().manual_seed(11)
        mu, log_variance = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g) * 0.5
        prior_mu = torch.randn(5, generator=g)
        prior_log_variance = torch.randn(5, generator=g) * 0.5
        same = fn(mu, log_variance, mu, log_variance)
        if not isinstance(same, torch.Tensor) or same.ndim != 0:
            return "return one number (a 0-d tensor) for the batch"
        if abs(same.item()) > 1e-5:
            return "a Gaussian is at distance 0 from itself"
        sigma = (0.5 * log_variance).exp()
        x = mu + sigma * torch.randn(20000, 8, 5, generator=g)
        log_q = -0.5 * (((x - mu) / sigma) ** 2 + log_variance)
        log_p = -0.5 * ((x - prior_mu) ** 2 / prior_log_variance.exp() + prior_log_variance)
        estimate = (log_q - log_p).sum(-1).mean().item()  # Monte Carlo, averaged over the batch
        got = float(fn(mu, log_variance, prior_mu, prior_log_variance))
        if abs(got - estimate) > 0.03 * abs(estimate) + 0.05:
            if abs(got * mu.shape[1] - estimate) < 0.03 * abs(estimate) + 0.05:
                return "sum over the code's components; average over the batch"
            standard = float(fn(mu, log_variance, torch.zeros(5), torch.zeros(5)))
            if abs(got - standard) < 1e-6:
                return "the prior's mean and variance must enter the formula"
            return f"a Monte Carlo estimate says about {estimate:.2f} for this batch"
        if fn(mu, log_variance, prior_mu, prior_log_variance).item() < 0:
            return "a KL divergence is never negative"
        return None

    return _run("gaussian_kl", check)


def check_persistence(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """Exercise (11): the share of (frame t, earlier object k < t) pairs in which frame t shows an
    object of object k's shape at object k's place."""

    def check() -> str | None:
        from .data import make_stories

        stories = make_stories(40, frames=4, seed=11)
        scenes, objects = stories.scenes.clone(), stories.objects
        got = fn(scenes.clone(), objects.clone())
        if not isinstance(got, float | int | torch.Tensor):
            return "return one number, the share of pairs"
        if abs(float(got) - 1.0) > 1e-6:
            return "the true scene tables keep every object: expected 1"
        forgetful = torch.full_like(scenes, -1)
        for t in range(4):
            forgetful[torch.arange(40), t, objects[:, t, 3]] = objects[:, t, :3]
        if abs(float(fn(forgetful, objects))) > 1e-6:
            return "tables where frame t shows only object t keep nothing: expected 0"
        reshaped = scenes.clone()
        last = reshaped[:, 3, :, 0]  # frame 4's shapes, each replaced by another
        reshaped[:, 3, :, 0] = torch.where(last >= 0, (last + 1) % 3, -1)
        expected = 3 / 6  # frames 2 and 3 keep their 1 + 2 pairs; frame 4's 3 show other shapes
        if abs(float(fn(reshaped, objects)) - expected) > 1e-6:
            return "an object of another shape at the place does not count as kept"
        return None

    return _run("persistence", check)


def check_clean_estimate(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> bool:
    """Exercise (12): the clean latent that a rectified-flow velocity points to."""

    def check() -> str | None:
        g = torch.Generator().manual_seed(12)
        x0, x1 = torch.randn(6, 4, 2, 3, 3, generator=g), torch.randn(6, 4, 2, 3, 3, generator=g)
        t = torch.rand(6, generator=g)
        xt = torch.lerp(x0, x1, t.view(-1, 1, 1, 1, 1))
        out = fn(xt, t, x1 - x0)
        if not isinstance(out, torch.Tensor) or out.shape != xt.shape:
            return f"return one latent per input, shape {tuple(xt.shape)}"
        if not torch.allclose(out, x1, atol=1e-5):
            return (
                "with the exact velocity the estimate must be the clean latent itself "
                "(t holds one time per clip)"
            )
        at_one = fn(x1, torch.ones(6), torch.randn(6, 4, 2, 3, 3, generator=g))
        if not torch.allclose(at_one, x1, atol=1e-6):
            return "at t = 1 there is nothing left to travel: the estimate is x_t"
        return None

    return _run("clean_estimate", check)


def check_heun_step(fn: Callable[..., torch.Tensor]) -> bool:
    """Exercise (12): one Heun step of dz/dt = v(z, t), checked on fields with known solutions."""

    def check() -> str | None:
        g = torch.Generator().manual_seed(13)
        z = torch.randn(5, 3, generator=g)
        t = torch.rand(5, generator=g) * 0.5

        def constant(z_, t_):
            return torch.ones_like(z_)

        out = fn(constant, z, t, 0.1)
        if not isinstance(out, torch.Tensor) or out.shape != z.shape:
            return f"return the latents after the step, shape {tuple(z.shape)}"
        if not torch.allclose(out, z + 0.1, atol=1e-6):
            return "a constant velocity moves every latent by dt times it"

        # dz/dt = t²: Heun's step is dt/2·(t² + (t + dt)²), where the midpoint rule's differs
        def in_time(z_, t_):
            return t_.view(-1, 1).square().expand_as(z_)

        heun = z + 0.05 * (t.square() + (t + 0.1).square()).view(-1, 1)
        if not torch.allclose(fn(in_time, z, t, 0.1), heun, atol=1e-6):
            return (
                "evaluate the velocity a second time where the Euler step lands (at t + dt), "
                "and average the two"
            )

        def linear(z_, t_):  # dz/dt = -z: Heun's error per step is O(dt³), Euler's O(dt²)
            return -z_

        errors = [
            (fn(linear, z, t, dt) - z * math.exp(-dt)).abs().max().item() for dt in (0.1, 0.05)
        ]
        if not errors[1] < errors[0] / 6:
            return "halving dt should cut the error about 8 times: use the landing's velocity too"
        return None

    return _run("heun_step", check)


def check_lip_sync_offset(fn: Callable[..., torch.Tensor]) -> bool:
    """Exercise (13): the whole frames by which a read mouth trails its driving signal."""

    def check() -> str | None:
        g = torch.Generator().manual_seed(13)
        frames, lags = 40, torch.tensor([0, 1, 2, -1, -2, 1])
        signal = torch.rand(len(lags), frames + 4, generator=g)
        # read[t] = signal[t - lag]: a positive lag is a late mouth
        read = torch.stack([s.roll(int(lag))[2:-2] for s, lag in zip(signal, lags, strict=True)])
        signal = signal[:, 2:-2]
        out = fn(read, signal, 2)
        if not isinstance(out, torch.Tensor) or out.shape != (len(lags),):
            return f"return one whole number of frames per clip, shape ({len(lags)},)"
        if torch.equal(out.long(), -lags):
            return (
                "the sign is reversed: a read mouth that opens after the signal is late (positive)"
            )
        if not torch.equal(out.long(), lags):
            return "try every shift from -max_lag to max_lag and compare the frames the two share"
        squashed = 0.1 * read + 0.9 + 0.002 * torch.randn(read.shape, generator=g)
        if not torch.equal(fn(squashed, signal, 2).long(), lags):
            return (
                "a reader may be scaled, offset and a little noisy: compare the shapes of the two "
                "signals (e.g. a correlation), not their values"
            )
        near = lags.abs() <= 1
        within_one = fn(read, signal, 1).long()
        if within_one.abs().max() > 1 or not torch.equal(within_one[near], lags[near]):
            return "look at the shifts from -max_lag to max_lag, and no further"
        return None

    return _run("lip_sync_offset", check)


def check_false_positive_threshold(fn: Callable[[torch.Tensor, float], float]) -> bool:
    """Exercise (13): the lowest threshold with at most a share ``rate`` of real scores above it."""

    def check() -> str | None:
        g = torch.Generator().manual_seed(31)
        for n, rate in ((1000, 0.01), (200, 0.05), (37, 0.1), (10, 0.0)):
            scores = torch.rand(n, generator=g)
            threshold = float(fn(scores, rate))
            flagged = (scores > threshold).float().mean().item()
            if flagged > rate + 1e-9:
                return (
                    f"{flagged:.1%} of real scores lie above your threshold, more than {rate:.0%}"
                )
            if threshold > scores.max().item() + 1e-9:
                return "a threshold above every score flags nothing: find the lowest one that works"
            allowed = math.floor(rate * n + 1e-9)
            if flagged * n < allowed - 0.5:
                return (
                    f"{flagged * n:.0f} of {n} real scores lie above your threshold where up to "
                    f"{allowed} may: choose the lowest threshold that keeps to the rate"
                )
        return None

    return _run("false_positive_threshold", check)
