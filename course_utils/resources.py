"""What a video generator costs to train: parameters, FLOPs, memory and GPU-hours, from its design.

The formulas (a multiply-add counts as 2 FLOPs, as in notebook 12):

* **Transformers** (DiT blocks on tokens of width d).  Per block and token the linear layers cost
  2·(12 d²) forward FLOPs for attention and MLP, 2·(4 d²) more for each extra attention of a
  factorised block (temporal attention; cross-attention to a caption); attention's two matrix
  products cost 2·(2 m d) for a token that attends to m others (m = every token for full attention,
  the tokens of its frame and of its place in time for factorised).  adaLN's modulation costs
  2·(6 d²) per block and clip.  A clip of F frames of R×R pixels, shrunk c× by an autoencoder and
  cut into p×p patches of τ frames, has (F/τ)·(R/c/p)² tokens.
* **Convolutional** generators (a U-Net, or an encoder and decoder, run per frame): ``depth``
  levels, each halving the side and doubling the channels from ``width``, two 3×3 convolutions
  per level on the way down and two on the way up.
* **Training** FLOPs ≈ 3 × forward FLOPs × clips seen (the backward pass costs about twice the
  forward).  Not counted: the autoencoder and text encoder, when they run during training rather
  than once beforehand, and the data pipeline.
* **Memory** per accelerator: 16 bytes per parameter for Adam in mixed precision (16-bit weights
  and gradients, 32-bit master weights and two moments), plus the activations kept for the
  backward pass: s·b·h·(34 + 5·a·m/h) bytes per transformer block for s tokens of width h, batch
  b, a heads and m attended tokens (Korthikanti et al., 2022); for convolutions, 3 saved 16-bit
  tensors per convolution.
* **GPU-hours** = training FLOPs / (peak FLOP/s × utilisation).  Utilisation (model FLOPs
  utilisation) of 30-50% is good for large transformers; small models, on-the-fly data and
  unfused attention give less.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._checks import check_choice, check_positive_int

FAMILIES = ("dit-full", "dit-factorised", "conv")
ADAM_BYTES_PER_PARAMETER = 16
HEAD_WIDTH = 64  # a head per 64 channels, as DiT and most transformers


@dataclass(frozen=True)
class Accelerator:
    """Peak dense 16-bit matrix throughput (TFLOP/s) and memory (GB) of one device."""

    name: str
    tflops: float
    memory_gb: float


ACCELERATORS = {
    "H100": Accelerator("NVIDIA H100 SXM", 989.0, 80.0),
    "H800": Accelerator("NVIDIA H800 SXM (H100 compute, slower links)", 989.0, 80.0),
    "H200": Accelerator("NVIDIA H200", 989.0, 141.0),
    "A100": Accelerator("NVIDIA A100 80 GB", 312.0, 80.0),
    "CPU": Accelerator("the course's 2-core CPU (a 2048² float32 matmul, measured)", 0.2, 8.0),
}


@dataclass(frozen=True)
class VideoDesign:
    """A generator's shape.  ``compression``: the autoencoder's spatial shrink factor (1: pixels);
    ``patch`` and ``tubelet``: a token's size in latent pixels and frames (transformers);
    ``text_tokens``: caption tokens a transformer block cross-attends to (0: none);
    ``shared_modulation``: PixArt-α's adaLN-single (one modulation for all blocks) in place of
    DiT's modulation per block."""

    family: str = "dit-full"
    resolution: int = 32
    frames: int = 8
    channels: int = 3
    compression: int = 1
    latent_channels: int = 3
    patch: int = 2
    tubelet: int = 1
    width: int = 64
    depth: int = 4
    text_tokens: int = 0
    shared_modulation: bool = False

    def __post_init__(self) -> None:
        check_choice(self.family, "family", FAMILIES)
        for name in ("resolution", "frames", "channels", "compression", "latent_channels", "patch",
                     "tubelet", "width", "depth"):  # fmt: skip
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.text_tokens, "text_tokens", minimum=0)
        side = self.resolution // self.compression
        if self.resolution % self.compression or side % self.patch or self.frames % self.tubelet:
            raise ValueError(
                f"expected the frame side ({self.resolution}) to divide by compression × patch "
                f"({self.compression} × {self.patch}) and frames ({self.frames}) by the tubelet "
                f"({self.tubelet})"
            )
        if self.family == "conv" and self.resolution % 2**self.depth:
            raise ValueError(
                f"depth: {self.depth} levels halve a {self.resolution}-pixel side to a fraction; "
                f"expected a side divisible by {2**self.depth}"
            )

    @property
    def grid(self) -> tuple[int, int]:
        """(time steps, tokens per time step) of a transformer's token grid."""
        side = self.resolution // self.compression // self.patch
        return self.frames // self.tubelet, side * side


def _transformer(design: VideoDesign) -> tuple[int, float, float]:
    """Parameters, forward FLOPs per clip, and activation bytes per clip of a DiT."""
    d, (steps, per_step) = design.width, design.grid
    tokens = steps * per_step
    attended = [tokens] if design.family == "dit-full" else [per_step, steps]
    extra_attentions = len(attended) - 1 + (design.text_tokens > 0)
    if design.text_tokens:
        attended = [*attended, design.text_tokens]
    linear = 12 * d * d + 4 * d * d * extra_attentions  # multiply-adds per token and block
    patch_in = design.latent_channels * design.tubelet * design.patch**2
    # adaLN in each block: the conditioning vector → shift, scale and gate of its 2 layers
    modulation = 0 if design.shared_modulation else 6 * d * d
    ends = 2 * patch_in * d + 3 * d * d + 256 * d  # patches in and out, the final layer's
    # modulation (2d²), the timestep MLP (256 sin-cos features → d → d)
    parameters = design.depth * (linear + modulation) + ends
    macs = design.depth * (tokens * (linear + 2 * d * sum(attended)) + modulation)
    macs += 2 * tokens * patch_in * d  # patches in, predictions out
    heads = max(1, d // HEAD_WIDTH)
    activations = design.depth * tokens * d * (34 + 5 * heads * sum(attended) / d)
    return parameters, 2.0 * macs, activations


def _convolutional(design: VideoDesign) -> tuple[int, float, float]:
    """Parameters, forward FLOPs per clip, and activation bytes per clip of a U-Net."""
    parameters, macs, activations = 0, 0.0, 0.0
    for level in range(design.depth):
        channels, side = design.width * 2**level, design.resolution // 2**level
        convolutions = 4  # two on the way down, two on the way up
        parameters += convolutions * 9 * channels * channels
        macs += convolutions * 9 * channels * channels * side * side * design.frames
        activations += convolutions * 3 * 2 * channels * side * side * design.frames
    return parameters, 2.0 * macs, activations


@dataclass
class Estimate:
    """What a design costs; ``fits`` says whether the memory fits one ``accelerator``."""

    parameters: int
    tokens: int
    forward_flops: float  # per clip
    training_flops: float
    memory_gb: float  # per accelerator, at the per-device batch
    gpu_hours: float
    accelerator: Accelerator
    fits: bool

    def lines(self) -> list[str]:
        return [
            f"parameters: {self.parameters / 1e6:,.1f} M"
            + (f"; tokens per clip: {self.tokens:,}" if self.tokens else ""),
            f"forward FLOPs per clip: {self.forward_flops / 1e9:,.2f} G",
            f"training FLOPs: {self.training_flops:.2e}",
            f"memory per device: {self.memory_gb:,.1f} GB of {self.accelerator.memory_gb:.0f}"
            + ("" if self.fits else " (does not fit: smaller batch, checkpointing or sharding)"),
            f"time: {self.gpu_hours:,.1f} hours of {self.accelerator.name}"
            f" = {self.gpu_hours / 24:,.1f} device-days",
        ]


def clips_from_hours(hours: float, *, fps: float = 24.0, frames: int = 16, stride: int = 1,
                     epochs: float = 1.0) -> float:  # fmt: skip
    """Clips seen in training on ``hours`` of video cut into clips of ``frames`` frames, each
    keeping every ``stride``-th frame, ``epochs`` times over."""
    if hours <= 0 or fps <= 0 or epochs <= 0:
        raise ValueError(f"expected positive hours, fps and epochs, got {hours}, {fps}, {epochs}")
    check_positive_int(frames, "frames")
    check_positive_int(stride, "stride")
    return hours * 3600 * fps / (frames * stride) * epochs


def estimate_resources(
    design: VideoDesign,
    clips_seen: float,
    *,
    batch_per_device: int = 8,
    accelerator: str = "H100",
    utilisation: float = 0.4,
) -> Estimate:
    """Parameters, FLOPs, memory and device-hours to train ``design`` on ``clips_seen`` clips."""
    check_choice(accelerator, "accelerator", ACCELERATORS)
    check_positive_int(batch_per_device, "batch_per_device")
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation: expected a share in (0, 1], got {utilisation}")
    if clips_seen <= 0:
        raise ValueError(f"clips_seen: expected a positive number, got {clips_seen}")
    convolutional = design.family == "conv"
    parameters, forward, activations = (_convolutional if convolutional else _transformer)(design)
    device = ACCELERATORS[accelerator]
    training = 3 * forward * clips_seen
    memory = (ADAM_BYTES_PER_PARAMETER * parameters + batch_per_device * activations) / 1e9
    return Estimate(
        parameters=parameters,
        tokens=0 if convolutional else design.grid[0] * design.grid[1],
        forward_flops=forward,
        training_flops=training,
        memory_gb=memory,
        gpu_hours=training / (device.tflops * 1e12 * utilisation) / 3600,
        accelerator=device,
        fits=memory <= device.memory_gb,
    )
