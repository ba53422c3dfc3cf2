"""A one-block character GPT forward pass and training step in numpy: token and position
embeddings, layer norm, causal self-attention, residual stream, dropout, next-token
cross-entropy, warmup + cosine learning rate, gradient accumulation, SGD on the output
head, a float16 copy of the activations, and a checkpoint written with np.savez."""

import math
import os
import sys

import numpy as np

rng = np.random.default_rng(3)
text = "to be or not to be that is the question " * 4
chars = sorted(set(text))
vocab_size, n_embd, block_size, batch_size = len(chars), 16, 8, 4
stoi = {c: i for i, c in enumerate(chars)}
data = np.array([stoi[c] for c in text], dtype=np.int64)
learning_rate, min_lr, warmup_iters, lr_decay_iters, max_iters = 0.1, 0.01, 2, 6, 4
grad_accum_steps, dropout_p = 2, 0.1

wte = rng.normal(0, 0.02, (vocab_size, n_embd))
wpe = rng.normal(0, 0.02, (block_size, n_embd))
Wq, Wk, Wv = (rng.normal(0, 0.02, (n_embd, n_embd)) for _ in range(3))
W_head = rng.normal(0, 0.02, (n_embd, vocab_size))


def get_batch():
    ix = rng.integers(0, len(data) - block_size, size=batch_size)
    x = np.stack([data[i : i + block_size] for i in ix])
    y = np.stack([data[i + 1 : i + 1 + block_size] for i in ix])
    return x, y


def layer_norm(x, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return x_hat


def softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights


def attention(x):
    T = x.shape[1]
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    att = q @ k.swapaxes(-1, -2) / np.sqrt(k.shape[-1])
    causal = np.tril(np.ones((T, T), dtype=bool))
    att = np.where(causal, att, -np.inf)
    att = softmax(att)
    y = att @ v
    return y


def dropout(x, p, training=True):
    if not training:
        return x
    keep_mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * keep_mask


def forward(idx, targets):
    B, T = idx.shape
    tok_emb = wte[idx]
    pos_emb = wpe[np.arange(T)]
    x = tok_emb + pos_emb
    x = x + attention(layer_norm(x))
    x = dropout(x, dropout_p)
    h = layer_norm(x)
    logits = h @ W_head
    flat = logits.reshape(B * T, vocab_size)
    logp = flat - np.log(np.exp(flat - flat.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)) - flat.max(axis=1, keepdims=True)
    loss = -logp[np.arange(B * T), targets.reshape(-1)].mean()
    probs = np.exp(logp)
    return loss, h.reshape(B * T, n_embd), probs


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / warmup_iters
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


for it in range(max_iters):
    lr = get_lr(it)
    grad_sum = np.zeros_like(W_head)
    for micro_step in range(grad_accum_steps):
        xb, yb = get_batch()
        loss, h, probs = forward(xb, yb)
        loss = loss / grad_accum_steps
        onehot = np.eye(vocab_size)[yb.reshape(-1)]
        grad_sum = grad_sum + h.T @ (probs - onehot) / len(onehot) / grad_accum_steps
    h16 = h.astype(np.float16)
    W_head -= lr * grad_sum
    print(f"iter {it} lr {lr:.4f} loss {loss * grad_accum_steps:.4f} h16 {h16.dtype}")

out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "gpt_numpy_ckpt.npz")
np.savez(out, wte=wte, wpe=wpe, W_head=W_head)
