"""The self-checks must accept a right answer, reject wrong ones, and never raise."""

import torch

from course_utils import exercises


def not_attempted(*args):
    raise NotImplementedError


def test_to_signed_unit_check(capsys):
    assert exercises.check_to_signed_unit(lambda p: p.float() / 127.5 - 1)
    assert not exercises.check_to_signed_unit(lambda p: p.float() / 255)  # [0, 1], not [-1, 1]
    assert not exercises.check_to_signed_unit(lambda p: p)  # still uint8
    assert not exercises.check_to_signed_unit(not_attempted)
    assert "not attempted yet" in capsys.readouterr().out


def pca_by_svd(train, test, k):
    mean = train.mean(0)
    _, _, vh = torch.linalg.svd(train - mean, full_matrices=False)
    basis = vh[:k]
    return (test - mean) @ basis.T @ basis + mean


def test_pca_check():
    assert exercises.check_pca_reconstruct(pca_by_svd)
    assert not exercises.check_pca_reconstruct(lambda tr, te, k: te)  # no compression

    def uncentred(train, test, k):  # forgets to subtract the mean
        basis = torch.linalg.svd(train, full_matrices=False)[2][:k]
        return test @ basis.T @ basis

    assert not exercises.check_pca_reconstruct(uncentred)
    assert not exercises.check_pca_reconstruct(not_attempted)


def test_best_guess_check(capsys):
    assert exercises.check_best_guess(lambda c: c.mean(0))
    assert not exercises.check_best_guess(lambda c: c[0])  # one sharp candidate
    assert not exercises.check_best_guess(lambda c: c.median(0).values)  # the L1 answer
    assert not exercises.check_best_guess(lambda c: c.mean())  # wrong shape


def test_a_crashing_answer_is_reported_not_raised(capsys):
    assert not exercises.check_best_guess(lambda c: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_optimal_d_check():
    assert exercises.check_optimal_d(lambda p, q: p / (p + q))
    assert not exercises.check_optimal_d(lambda p, q: q / (p + q))  # the fake share
    assert not exercises.check_optimal_d(lambda p, q: p)
    assert not exercises.check_optimal_d(not_attempted)


def test_value_of_game_check(capsys):
    def riemann(p, q, dx):
        d = p / (p + q)
        return (torch.xlogy(p, d) + torch.xlogy(q, 1 - d)).sum() * dx

    assert exercises.check_value_of_game(riemann)
    assert not exercises.check_value_of_game(lambda p, q, dx: riemann(p, q, dx) / dx)  # no dx
    assert not exercises.check_value_of_game(lambda p, q, dx: -1.386)  # a constant
    assert not exercises.check_value_of_game(lambda p, q, dx: 0.0)
    assert "identical densities must give -log 4" in capsys.readouterr().out
    assert not exercises.check_value_of_game(not_attempted)


def test_spiral_growth_check():
    assert exercises.check_spiral_growth(lambda eta: (1 + eta**2) ** 0.5)
    assert not exercises.check_spiral_growth(lambda eta: 1 + eta**2)  # the squared radius
    assert not exercises.check_spiral_growth(not_attempted)


def test_update_matrix_check():
    assert exercises.check_update_matrix(lambda eta: torch.tensor([[1, -eta], [eta, 1 - eta**2]]))
    simultaneous = lambda eta: torch.tensor([[1, -eta], [eta, 1]])  # noqa: E731
    assert not exercises.check_update_matrix(simultaneous)
    assert not exercises.check_update_matrix(not_attempted)


def test_transposed_output_size():
    assert exercises.check_transposed_output_size(lambda n, k, s, p: (n - 1) * s - 2 * p + k)
    check = exercises.check_transposed_output_size
    assert not check(lambda n, k, s, p: n * s)  # right only when k = s + 2p
    assert not check(lambda n, k, s, p: (n + 2 * p - k) // s + 1)  # a plain convolution's size
    assert not exercises.check_transposed_output_size(not_attempted)


def test_slerp():
    def slerp(z0, z1, t):
        omega = torch.arccos((z0 @ z1 / (z0.norm() * z1.norm())).clamp(-1, 1))
        return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)

    assert exercises.check_slerp(slerp)
    assert not exercises.check_slerp(lambda z0, z1, t: (1 - t) * z0 + t * z1)  # lerp: shorter
    assert not exercises.check_slerp(lambda z0, z1, t: z0)
    assert not exercises.check_slerp(not_attempted)


def test_within_class_variety():
    def variety(features, labels):
        per_class = [features[labels == c] for c in labels.unique()]
        return torch.stack([(f - f.mean(0)).pow(2).sum(1).mean() for f in per_class]).mean()

    assert exercises.check_within_class_variety(variety)
    assert not exercises.check_within_class_variety(
        lambda f, y: (f - f.mean(0)).pow(2).sum(1).mean()  # pooled: ignores the classes
    )
    assert not exercises.check_within_class_variety(
        lambda f, y: variety(f, y).sqrt()  # a distance, not a squared distance
    )
    assert not exercises.check_within_class_variety(not_attempted)


def test_within_class_variety_names_the_near_miss_without_the_answer(capsys):
    def unbiased(features, labels):  # torch.var's n - 1 in every class
        return torch.stack([features[labels == c].var(0).sum() for c in labels.unique()]).mean()

    assert not exercises.check_within_class_variety(unbiased)
    out = capsys.readouterr().out
    assert "one less than the" in out and "expected" not in out


def test_pixel_shuffle():
    def pixel_shuffle(x, r):
        n, c, h, w = x.shape
        x = x.view(n, c // r**2, r, r, h, w).permute(0, 1, 4, 2, 5, 3)
        return x.reshape(n, c // r**2, h * r, w * r)

    assert exercises.check_pixel_shuffle(pixel_shuffle)
    assert not exercises.check_pixel_shuffle(  # right shape, wrong order
        lambda x, r: x.reshape(x.shape[0], -1, x.shape[2] * r, x.shape[3] * r)
    )
    assert not exercises.check_pixel_shuffle(lambda x, r: x)
    assert not exercises.check_pixel_shuffle(not_attempted)
    assert not exercises.check_pixel_shuffle(torch.nn.functional.pixel_shuffle)  # not yours
    assert not exercises.check_pixel_shuffle(lambda x, r: torch.nn.PixelShuffle(r)(x))
    assert torch.equal(  # and the library function is back afterwards
        torch.nn.functional.pixel_shuffle(torch.arange(4.0).view(1, 4, 1, 1), 2).flatten(),
        torch.arange(4.0),
    )


def test_receptive_field():
    def receptive_field(layers):
        size = 1
        for kernel, stride in reversed(layers):
            size = (size - 1) * stride + kernel
        return size

    assert exercises.check_receptive_field(receptive_field)
    assert not exercises.check_receptive_field(lambda layers: sum(k for k, _ in layers))
    assert not exercises.check_receptive_field(lambda layers: receptive_field(layers) + 1)
    assert not exercises.check_receptive_field(not_attempted)


def test_swap_digits():
    def swap_by(offset):
        def swap_digits(images, labels):
            partner = (labels + offset) % 10  # offset 5: 0↔5, 1↔6, …, a pairing that undoes itself
            rank = torch.zeros_like(labels)  # the k-th digit of class c goes to the k-th of partner
            for c in range(10):
                rank[labels == c] = torch.arange(int((labels == c).sum()))
            pairs = zip(partner, rank, strict=True)
            index = torch.stack([((labels == p) & (rank == r)).nonzero()[0, 0] for p, r in pairs])
            return images[index], labels[index]

        return swap_digits

    assert exercises.check_swap_digits(swap_by(5))
    assert not exercises.check_swap_digits(swap_by(1))  # 0→1→2: twice is not the identity
    assert not exercises.check_swap_digits(lambda x, y: (x, y))  # the identity keeps the class
    assert not exercises.check_swap_digits(not_attempted)


def test_x0_and_eps_from_v():
    def x0_and_eps_from_v(x_t, v, alpha, sigma):
        return alpha * x_t - sigma * v, sigma * x_t + alpha * v

    assert exercises.check_x0_and_eps_from_v(x0_and_eps_from_v)
    assert not exercises.check_x0_and_eps_from_v(  # right x0, a sign wrong in ε
        lambda x_t, v, a, s: (a * x_t - s * v, s * x_t - a * v)
    )
    assert not exercises.check_x0_and_eps_from_v(
        lambda x_t, v, a, s: (a * x_t + s * v, s * x_t + a * v)
    )
    assert not exercises.check_x0_and_eps_from_v(lambda x_t, v, a, s: x_t)  # not a pair
    assert not exercises.check_x0_and_eps_from_v(not_attempted)


def test_two_stream_blend():
    assert exercises.check_two_stream_blend(lambda f, m, b: m * f + (1 - m) * b[:, None])
    assert not exercises.check_two_stream_blend(lambda f, m, b: m * f + (1 - m) * b)  # no time axis
    assert not exercises.check_two_stream_blend(lambda f, m, b: f)  # ignores the mask
    assert not exercises.check_two_stream_blend(  # the mask's roles swapped
        lambda f, m, b: (1 - m) * f + m * b[:, None]
    )
    assert not exercises.check_two_stream_blend(not_attempted)
