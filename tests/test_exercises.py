"""The self-checks must accept a right answer, reject wrong ones, and never raise."""

import math

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


def test_optimal_d_check(capsys):
    def weighted(p, q, share):
        return share * p / (share * p + (1 - share) * q)

    assert exercises.check_optimal_d(weighted)
    assert not exercises.check_optimal_d(lambda p, q, share: p / (p + q))  # ignores the share
    assert not exercises.check_optimal_d(lambda p, q, share: weighted(q, p, share))  # swapped
    assert not exercises.check_optimal_d(lambda p, q, share: torch.full_like(p, share))
    assert not exercises.check_optimal_d(not_attempted)
    assert "p / (p + q)" not in capsys.readouterr().out


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


def test_damped_growth_check(capsys):
    def spectral_radius(eta, gamma):
        matrix = torch.tensor([[1, -eta], [eta, 1 - eta * gamma]], dtype=torch.float64)
        return torch.linalg.eigvals(matrix).abs().max().item()

    assert exercises.check_damped_growth(spectral_radius)
    assert not exercises.check_damped_growth(lambda eta, gamma: (1 + eta**2) ** 0.5)  # no damping
    # |λ|² = det M holds only while the eigenvalues are a complex pair
    assert not exercises.check_damped_growth(
        lambda eta, gamma: abs(1 - eta * gamma + eta**2) ** 0.5
    )
    assert not exercises.check_damped_growth(not_attempted)
    assert "eigvals" not in capsys.readouterr().out


def test_optimistic_matrix_check():
    def optimistic(eta):
        return torch.tensor(
            [[1, -2 * eta, 0, eta], [2 * eta, 1, -eta, 0], [1, 0, 0, 0], [0, 1, 0, 0]],
            dtype=torch.float64,
        )

    assert exercises.check_optimistic_matrix(optimistic)
    simultaneous = lambda eta: torch.tensor(  # noqa: E731
        [[1, -eta, 0, 0], [eta, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.float64
    )
    assert not exercises.check_optimistic_matrix(simultaneous)
    assert not exercises.check_optimistic_matrix(lambda eta: optimistic(eta)[:2])  # 2×4
    assert not exercises.check_optimistic_matrix(lambda eta: optimistic(eta).T)
    assert not exercises.check_optimistic_matrix(not_attempted)


def test_taps_per_output_check(capsys):
    def taps(size, kernel, stride, padding):
        counts = [0] * ((size - 1) * stride + kernel)
        for i in range(size):
            for k in range(kernel):
                counts[i * stride + k] += 1
        return counts[padding : len(counts) - padding]

    assert exercises.check_taps_per_output(taps)
    assert not exercises.check_taps_per_output(lambda n, k, s, p: taps(n, k, s, 0))  # no crop
    assert not exercises.check_taps_per_output(
        lambda n, k, s, p: [k // s] * ((n - 1) * s - 2 * p + k)
    )

    def by_pytorch(size, kernel, stride, padding):
        ones = torch.ones(1, 1, size)
        layer = torch.nn.ConvTranspose1d(1, 1, kernel, stride, padding, bias=False)
        torch.nn.init.ones_(layer.weight)
        return layer(ones).flatten().round()

    assert not exercises.check_taps_per_output(by_pytorch)
    assert "write it yourself" in capsys.readouterr().out
    assert not exercises.check_taps_per_output(not_attempted)


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


def test_v_from_eps():
    assert exercises.check_v_from_eps(lambda x_t, eps, a, s: (eps - s * x_t) / a)
    assert not exercises.check_v_from_eps(lambda x_t, eps, a, s: a * eps - s * x_t)  # x_t for x0
    assert not exercises.check_v_from_eps(lambda x_t, eps, a, s: (eps + s * x_t) / a)
    assert not exercises.check_v_from_eps(lambda x_t, eps, a, s: ((eps - s * x_t) / a).sum())
    assert not exercises.check_v_from_eps(not_attempted)


def test_two_stream_blend():
    assert exercises.check_two_stream_blend(lambda f, m, b: m * f + (1 - m) * b[:, None])
    assert not exercises.check_two_stream_blend(lambda f, m, b: m * f + (1 - m) * b)  # no time axis
    assert not exercises.check_two_stream_blend(lambda f, m, b: f)  # ignores the mask
    assert not exercises.check_two_stream_blend(  # the mask's roles swapped
        lambda f, m, b: (1 - m) * f + m * b[:, None]
    )
    assert not exercises.check_two_stream_blend(not_attempted)


def test_label_planes():
    def planes(labels, classes, height, width):
        one_hot = torch.nn.functional.one_hot(labels, classes).float()
        return one_hot[:, :, None, None].expand(-1, -1, height, width)

    assert exercises.check_label_planes(planes)
    assert not exercises.check_label_planes(lambda y, c, h, w: planes(y, c, h, w).long())
    assert not exercises.check_label_planes(lambda y, c, h, w: planes((y + 1) % c, c, h, w))
    assert not exercises.check_label_planes(lambda y, c, h, w: planes(y, c, w, h))  # H, W swapped
    assert not exercises.check_label_planes(not_attempted)


def jitter(x, y, max_shift, generator, same=True):
    pair = torch.stack([x, y], 1)  # N, 2, C, H, W: one draw moves both
    out = torch.empty_like(pair)
    padded = torch.nn.functional.pad(pair, (max_shift,) * 4, value=-1.0)
    height, width = x.shape[-2:]
    for i in range(len(pair)):
        for j in range(2) if not same else [slice(None)]:
            dy, dx = torch.randint(0, 2 * max_shift + 1, (2,), generator=generator).tolist()
            moved = padded[i, j, ..., dy : dy + height, dx : dx + width]
            out[i, j] = moved.flip(-1) if torch.rand((), generator=generator) < 0.5 else moved
    return out[:, 0], out[:, 1]


def test_jitter_pair():
    assert exercises.check_jitter_pair(jitter)
    assert not exercises.check_jitter_pair(lambda x, y, s, g: jitter(x, y, s, g, same=False))
    assert not exercises.check_jitter_pair(lambda x, y, s, g: (x, y))  # no jitter
    assert not exercises.check_jitter_pair(lambda x, y, s, g: (x.roll(1, -1), y.roll(1, -1)))
    assert not exercises.check_jitter_pair(lambda x, y, s, g: jitter(x, y, s + 2, g))
    assert not exercises.check_jitter_pair(not_attempted)


def test_icnr():
    def icnr(weight, r):
        base = weight[:: r**2]  # one filter per output channel, copied to its r² sub-pixels
        return base.repeat_interleave(r**2, 0)

    assert exercises.check_icnr(icnr)
    assert not exercises.check_icnr(lambda w, r: w)  # random sub-pixels: a grid
    assert not exercises.check_icnr(lambda w, r: w[: w.shape[0] // r**2].repeat(r**2, 1, 1, 1))
    assert not exercises.check_icnr(lambda w, r: torch.zeros_like(w))
    assert not exercises.check_icnr(not_attempted)


def sqrtm(matrix):
    values, vectors = torch.linalg.eigh(matrix)
    return vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T


def test_gaussian_frechet():
    def frechet(mean_a, cov_a, mean_b, cov_b):
        root_a = sqrtm(cov_a)
        cross = sqrtm(root_a @ cov_b @ root_a)
        return (mean_a - mean_b).pow(2).sum() + torch.trace(cov_a + cov_b - 2 * cross)

    assert exercises.check_gaussian_frechet(frechet)
    assert not exercises.check_gaussian_frechet(lambda ma, ca, mb, cb: (ma - mb).pow(2).sum())

    def entrywise(mean_a, cov_a, mean_b, cov_b):  # square roots of the entries
        cross = (cov_a * cov_b).abs().sqrt()
        return (mean_a - mean_b).pow(2).sum() + torch.trace(cov_a + cov_b - 2 * cross)

    assert not exercises.check_gaussian_frechet(entrywise)
    assert not exercises.check_gaussian_frechet(not_attempted)


def test_alpha_sigma_from_log_snr():
    def stable(log_snr):
        return torch.sigmoid(log_snr).sqrt(), torch.sigmoid(-log_snr).sqrt()

    def by_complement(log_snr):  # sigma = sqrt(1 - alpha²) rounds to 0 at a large log SNR
        alpha = torch.sigmoid(log_snr).sqrt()
        return alpha, (1 - alpha**2).sqrt()

    assert exercises.check_alpha_sigma_from_log_snr(stable)
    assert not exercises.check_alpha_sigma_from_log_snr(by_complement)
    assert not exercises.check_alpha_sigma_from_log_snr(lambda s: stable(s / 2))
    assert not exercises.check_alpha_sigma_from_log_snr(lambda s: stable(s)[::-1])  # swapped
    assert not exercises.check_alpha_sigma_from_log_snr(not_attempted)


def test_shuffle_frames():
    def shuffle(clips, generator):
        frames = clips.shape[1]
        orders = []
        for _ in clips:
            order = torch.randperm(frames, generator=generator)
            while torch.equal(order, torch.arange(frames)):
                order = torch.randperm(frames, generator=generator)
            orders.append(order)
        return torch.stack([clip[order] for clip, order in zip(clips, orders, strict=True)])

    assert exercises.check_shuffle_frames(shuffle)
    assert not exercises.check_shuffle_frames(lambda c, g: c.flip(1).clone())  # one order for all
    assert not exercises.check_shuffle_frames(lambda c, g: c.clone())
    assert not exercises.check_shuffle_frames(lambda c, g: c[:, torch.randperm(6, generator=g)])

    def in_place(clips, generator):
        clips[:] = shuffle(clips, generator)
        return clips

    assert not exercises.check_shuffle_frames(in_place)
    assert not exercises.check_shuffle_frames(not_attempted)


def test_to_pixels_check():
    def to_pixels(images):
        return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)

    assert exercises.check_to_pixels(to_pixels)
    assert not exercises.check_to_pixels(lambda x: ((x.clamp(-1, 1) + 1) * 127.5).to(torch.uint8))
    assert not exercises.check_to_pixels(lambda x: ((x + 1) * 127.5).round().to(torch.uint8))
    assert not exercises.check_to_pixels(lambda x: ((x.clamp(-1, 1) + 1) * 127.5).round())
    assert not exercises.check_to_pixels(not_attempted)


def gaussian_kl(mu, log_variance, prior_mu, prior_log_variance):
    ratio = (log_variance - prior_log_variance).exp()
    gap = (mu - prior_mu) ** 2 / prior_log_variance.exp()
    return 0.5 * (ratio + gap - 1 - (log_variance - prior_log_variance)).sum(1).mean()


def test_gaussian_kl():
    assert exercises.check_gaussian_kl(gaussian_kl)
    assert not exercises.check_gaussian_kl(  # the notebook's standard-normal case only
        lambda m, v, pm, pv: 0.5 * (m**2 + v.exp() - 1 - v).sum(1).mean()
    )
    assert not exercises.check_gaussian_kl(lambda m, v, pm, pv: gaussian_kl(m, v, pm, pv) / 5)
    assert not exercises.check_gaussian_kl(  # the two Gaussians swapped
        lambda m, v, pm, pv: gaussian_kl(pm[None], pv[None], m, v)
    )
    assert not exercises.check_gaussian_kl(lambda m, v, pm, pv: ((m - pm) ** 2).sum(1).mean())
    assert not exercises.check_gaussian_kl(not_attempted)


def kept_shapes(scenes, objects, same_shape=True):
    pairs = kept = 0
    for t in range(objects.shape[1]):
        for k in range(t):
            shown = scenes[torch.arange(len(objects)), t, objects[:, k, 3], 0]
            kept += ((shown == objects[:, k, 0]) if same_shape else (shown >= 0)).sum().item()
            pairs += len(objects)
    return kept / pairs


def test_persistence():
    assert exercises.check_persistence(kept_shapes)
    assert not exercises.check_persistence(lambda s, o: kept_shapes(s, o, same_shape=False))
    assert not exercises.check_persistence(lambda s, o: 1.0)
    assert not exercises.check_persistence(  # counts k = t too
        lambda s, o: (s[torch.arange(len(o))[:, None], :, o[:, :, 3], 0] >= 0).float().mean().item()
    )
    assert not exercises.check_persistence(not_attempted)


def clean_estimate(xt, t, velocity):
    return xt + (1 - t).view(-1, 1, 1, 1, 1) * velocity


def test_clean_estimate():
    assert exercises.check_clean_estimate(clean_estimate)
    assert not exercises.check_clean_estimate(lambda xt, t, v: xt + v)  # ignores where on the path
    assert not exercises.check_clean_estimate(lambda xt, t, v: xt + t.view(-1, 1, 1, 1, 1) * v)
    assert not exercises.check_clean_estimate(
        lambda xt, t, v: xt + (1 - t) * v
    )  # t on the wrong axis
    assert not exercises.check_clean_estimate(not_attempted)


def heun_step(velocity_fn, z, t, dt, landing_weight=0.5):
    start = velocity_fn(z, t)
    landing = velocity_fn(z + dt * start, t + dt)
    return z + dt * ((1 - landing_weight) * start + landing_weight * landing)


def test_heun_step():
    assert exercises.check_heun_step(heun_step)
    assert not exercises.check_heun_step(lambda v, z, t, dt: z + dt * v(z, t))  # Euler
    assert not exercises.check_heun_step(
        lambda v, z, t, dt: heun_step(v, z, t, dt, 1.0)
    )  # landing only
    assert not exercises.check_heun_step(  # the midpoint rule: second order too, but not Heun's
        lambda v, z, t, dt: z + dt * v(z + dt / 2 * v(z, t), t + dt / 2)
    )
    assert not exercises.check_heun_step(not_attempted)


def lip_sync_offset(read, signal, max_lag=2):
    lags = list(range(-max_lag, max_lag + 1))
    frames = read.shape[1]
    scores = []
    for lag in lags:
        a = read[:, max(lag, 0) : frames + min(lag, 0)]  # read[t], t - lag within the clip
        b = signal[:, max(-lag, 0) : frames - max(lag, 0)]
        a, b = a - a.mean(1, keepdim=True), b - b.mean(1, keepdim=True)
        scores.append((a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-8))
    return torch.tensor(lags)[torch.stack(scores, 1).argmax(1)]


def test_lip_sync_offset():
    assert exercises.check_lip_sync_offset(lip_sync_offset)
    assert not exercises.check_lip_sync_offset(lambda r, s, m: -lip_sync_offset(r, s, m))  # sign
    assert not exercises.check_lip_sync_offset(
        lambda r, s, m: torch.zeros(len(r), dtype=torch.long)
    )

    def by_distance(read, signal, max_lag=2):  # compares values, not shapes: fooled by a scale
        lags = torch.arange(-max_lag, max_lag + 1)
        errors = torch.stack([(read - signal.roll(int(lag), 1)).abs()[:, max_lag:-max_lag].mean(1)
                              for lag in lags], 1)  # fmt: skip
        return lags[errors.argmin(1)]

    assert not exercises.check_lip_sync_offset(by_distance)
    assert not exercises.check_lip_sync_offset(
        lambda r, s, m: lip_sync_offset(r, s, 2)
    )  # ignores m
    assert not exercises.check_lip_sync_offset(not_attempted)


def false_positive_threshold(real_scores, rate):
    allowed = math.floor(rate * len(real_scores) + 1e-9)
    ordered = real_scores.sort(descending=True).values
    return ordered[allowed].item() if allowed < len(ordered) else ordered[-1].item() - 1


def test_false_positive_threshold():
    assert exercises.check_false_positive_threshold(false_positive_threshold)
    # too cautious: nothing real is ever flagged, and nothing else much either
    assert not exercises.check_false_positive_threshold(lambda s, r: s.max().item())
    assert not exercises.check_false_positive_threshold(
        lambda s, r: s.quantile(1 - r).item() - 0.01
    )
    assert not exercises.check_false_positive_threshold(  # one score too many above it
        lambda s, r: (
            s.sort(descending=True).values[min(math.floor(r * len(s)) + 1, len(s) - 1)].item()
        )
    )
    assert not exercises.check_false_positive_threshold(not_attempted)
