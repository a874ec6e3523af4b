"""The three small torch networks. Sizes are kept tiny so CPU training takes seconds to minutes."""

from __future__ import annotations

import torch
from torch import nn

from core.judgment.learned.features import N_FEATURES
from core.skeleton import LIFTS

N_LIFTS = len(LIFTS)  # the deviation model is conditioned on the lift (one-hot over core.skeleton.LIFTS)


class SequenceNet(nn.Module):
    """Temporal CNN over (batch, 200, 51) normalised keypoint sequences -> class logits.

    The seed (S0) used a two-layer LSTM; a 1-D CNN with global pooling has the same input
    contract and trains several times faster on 2 shared CPU cores.
    """

    def __init__(self, n_classes: int, width: int = 48) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(N_FEATURES, width, 7, padding=3), nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 5, padding=2), nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 5, padding=2), nn.BatchNorm1d(width), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x.transpose(1, 2))
        return self.head(torch.cat([h.mean(-1), h.amax(-1)], 1))


class FrameNet(nn.Module):
    """S1's frame-wise good/bad network: dense 128-64-32, batch norm, 50 % dropout, LeakyReLU(0.01).

    Returns a logit; sigmoid(logit) is the probability that the frame shows bad form.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for a, b in ((N_FEATURES, 128), (128, 64), (64, 32)):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.LeakyReLU(0.01), nn.Dropout(0.5)]
        self.net = nn.Sequential(*layers, nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class DeviationNet(nn.Module):
    """Good-form pose model: a posture -> the nearest good-form posture of the same lift.

    A bottleneck autoencoder (4 latent units) trained on good reps only, conditioned on the
    lift. Good-form postures of one lift lie near a low-dimensional path (the rep phase), so
    what it cannot reproduce is the deviation from good form.
    """

    def __init__(self, latent: int = 4) -> None:
        super().__init__()
        self.encode = nn.Sequential(nn.Linear(N_FEATURES + N_LIFTS, 96), nn.ReLU(), nn.Linear(96, latent))
        self.decode = nn.Sequential(nn.Linear(latent + N_LIFTS, 96), nn.ReLU(), nn.Linear(96, 34))

    def forward(self, x: torch.Tensor, lift_onehot: torch.Tensor) -> torch.Tensor:
        z = self.encode(torch.cat([x, lift_onehot], 1))
        return self.decode(torch.cat([z, lift_onehot], 1)).view(-1, 17, 2)


def from_checkpoint(ckpt: dict) -> nn.Module:
    """The network a saved checkpoint (core.judgment.learned.train.save) describes, its weights loaded, in eval."""
    build = {"sequence": lambda: SequenceNet(len(ckpt["classes"])), "frame": FrameNet,
             "deviation": DeviationNet}[ckpt["kind"]]
    model = build()
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model


def masked_euclidean(pred: torch.Tensor, target: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """Mean keypoint distance over seen points only (S1's masked loss ignores placeholders)."""
    d = torch.linalg.norm(pred - target, dim=-1) * seen
    return d.sum() / seen.sum().clamp(min=1.0)
