"""A character RNN fed one character at a time: its hidden state is carried from step to step, each
training step is handed its batch by star-unpacking a helper's result (which slices a module-level text),
and the learning rate is lowered when the loss stops improving (ReduceLROnPlateau)."""

import argparse
import random

import torch
from torch import nn

TEXT = " ".join(f"the {w} sat on the mat and the {w} ran" for w in ("cat", "dog", "bird", "fox") * 20)
VOCAB = 32


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.embed = nn.Embedding(vocab, hidden_size)
        self.rnn = nn.GRU(hidden_size, hidden_size)
        self.out = nn.Linear(hidden_size, vocab)

    def forward(self, x, hidden):
        output, hidden = self.rnn(self.embed(x).unsqueeze(0), hidden)
        return self.out(output.squeeze(0)), hidden

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, self.hidden_size)


def encode(chunk):
    return torch.tensor([ord(c) % VOCAB for c in chunk])


def random_training_set(chunk_len, batch_size):
    inp = torch.zeros(batch_size, chunk_len, dtype=torch.long)
    target = torch.zeros(batch_size, chunk_len, dtype=torch.long)
    for b in range(batch_size):
        start = random.randint(0, len(TEXT) - chunk_len - 1)
        chunk = TEXT[start : start + chunk_len + 1]
        inp[b] = encode(chunk[:-1])
        target[b] = encode(chunk[1:])
    return inp, target


def train(inp, target):
    hidden = model.init_hidden(args.batch_size)
    model.zero_grad()
    loss = 0
    for c in range(args.chunk_len):
        output, hidden = model(inp[:, c], hidden)
        loss += criterion(output, target[:, c])
    loss.backward()
    optimizer.step()
    return loss.item() / args.chunk_len


parser = argparse.ArgumentParser()
parser.add_argument("--n-epochs", type=int, default=6)
parser.add_argument("--chunk-len", type=int, default=12)
parser.add_argument("--batch-size", type=int, default=4)
parser.add_argument("--hidden-size", type=int, default=16)
parser.add_argument("--learning-rate", type=float, default=0.01)
args = parser.parse_args()

random.seed(0)
torch.manual_seed(0)
model = CharRNN(VOCAB, args.hidden_size)
optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, args.n_epochs + 1):
    loss = train(*random_training_set(args.chunk_len, args.batch_size))
    scheduler.step(loss)
    print(f"epoch {epoch} loss {loss:.4f} lr {optimizer.param_groups[0]['lr']}")
