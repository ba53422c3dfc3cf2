"""A tiny character GPT in PyTorch, in the style of the best-known minimal trainers:
nn.Embedding token and position tables, pre-norm blocks with nn.LayerNorm, causal
self-attention with masked_fill, residual connections, nn.Dropout, F.cross_entropy on
next tokens, AdamW with weight-decay groups, LambdaLR warmup + cosine, gradient
clipping, gradient accumulation, autocast + GradScaler, eval()/no_grad() evaluation and
torch.save. Runs on CPU in a few seconds."""

import math
import os
import sys

import torch
import torch.nn as nn
from torch.nn import functional as F

torch.manual_seed(0)
text = "first citizen: before we proceed any further, hear me speak. " * 8
chars = sorted(set(text))
vocab_size, block_size, n_embd, n_head, batch_size = len(chars), 16, 32, 2, 4
max_iters, warmup_iters, grad_accum_steps, dropout = 3, 1, 2, 0.1
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


def get_batch():
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i : i + block_size] for i in ix])
    y = torch.stack([data[i + 1 : i + block_size + 1] for i in ix])
    return x, y


class Head(nn.Module):
    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)
        out = wei @ v
        return out


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([Head(n_embd // n_head) for _ in range(n_head)])
        self.proj = nn.Linear(n_embd, n_embd)
        self.ffwd = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def attend(self, x):
        return self.proj(torch.cat([h(x) for h in self.heads], dim=-1))

    def forward(self, x):
        x = x + self.attend(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.block = Block()
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        tok_emb = self.token_embedding_table(idx)
        pos_emb = self.position_embedding_table(torch.arange(T))
        x = tok_emb + pos_emb
        x = self.block(x)
        logits = self.lm_head(self.ln_f(x))
        B, T, C = logits.shape
        logits = logits.view(B * T, C)
        targets = targets.view(B * T)
        loss = F.cross_entropy(logits, targets)
        return logits, loss


def lr_lambda(it):
    if it < warmup_iters:
        return (it + 1) / warmup_iters
    progress = (it - warmup_iters) / max(1, max_iters - warmup_iters)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


@torch.no_grad()
def estimate_loss(model):
    model.eval()
    xb, yb = get_batch()
    _, loss = model(xb, yb)
    model.train()
    return loss.item()


model = GPT()
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
optim_groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
optimizer = torch.optim.AdamW(optim_groups, lr=1e-3, betas=(0.9, 0.95))
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
scaler = torch.amp.GradScaler("cpu", enabled=True)

for it in range(max_iters):
    for micro_step in range(grad_accum_steps):
        xb, yb = get_batch()
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            logits, loss = model(xb, yb)
        loss = loss / grad_accum_steps
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    scheduler.step()
    print(f"iter {it} loss {loss.item() * grad_accum_steps:.4f} norm {norm.item():.3f}")

with torch.no_grad():
    model.eval()
    val_logits, val_loss = model(*get_batch())
print("val", round(estimate_loss(model), 4), round(val_loss.item(), 4))
out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "gpt_torch.pt")
torch.save(model.state_dict(), out)
