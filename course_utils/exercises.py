"""Self-checks for the notebooks' exercises.

Each ``check_*`` function calls the student's function on test inputs, prints whether the
answer is right (and a hint when not), and returns True or False.  It never raises, so a
notebook with unfinished exercises still runs headless; an exercise left as
``raise NotImplementedError`` is reported as not attempted.  The solutions are not here:
the checks test properties an answer must have.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def _run(name: str, check: Callable[[], str | None]) -> bool:
    """Run one check; it returns None when the answer is right, else a hint."""
    try:
        problem = check()
    except NotImplementedError:
        print(f"{name}: not attempted yet (replace the `raise NotImplementedError`)")
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
