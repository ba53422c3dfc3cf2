"""A graph auto-encoder's shape: each epoch, the step's own embeddings are copied out of autograd
(``emb = z.detach().numpy()``) and a plain numpy function ranks held-out pairs with them and returns two
numbers (a ranking score, a precision): the evaluation, though it never calls the model, under no
``no_grad`` or ``eval()``."""

import sys

import numpy as np
import torch
from torch import nn


def ranking(emb, pos_pairs, neg_pairs):
    logits = emb @ emb.T
    pos = np.array([logits[i, j] for i, j in pos_pairs])
    neg = np.array([logits[i, j] for i, j in neg_pairs])
    wins = (pos[:, None] > neg[None, :]).mean()
    top = np.sort(np.concatenate([pos, neg]))[-len(pos) :]
    precision = np.isin(top, pos).mean()
    return float(wins), float(precision)


def main(epochs):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    n = 12
    adj = (rng.random((n, n)) < 0.3).astype(np.float32)
    adj = np.maximum(adj, adj.T)
    pairs = np.argwhere(adj > 0)
    held_pos = [tuple(p) for p in pairs[:6]]
    held_neg = [tuple(p) for p in np.argwhere(adj == 0)[:6]]
    features = torch.eye(n)
    target = torch.from_numpy(adj)
    encoder = nn.Sequential(nn.Linear(n, 8), nn.ReLU(), nn.Linear(8, 4))
    optimizer = torch.optim.Adam(encoder.parameters(), lr=0.05)
    for epoch in range(epochs):
        optimizer.zero_grad()
        z = encoder(features)
        loss = nn.functional.binary_cross_entropy_with_logits(z @ z.T, target)
        loss.backward()
        optimizer.step()
        emb = z.detach().numpy()
        rank, precision = ranking(emb, held_pos, held_neg)
        print(f"epoch {epoch} loss {loss.item():.4f} rank {rank:.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
