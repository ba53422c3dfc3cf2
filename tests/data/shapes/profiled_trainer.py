"""A recommender-library-style trainer: the model's FLOPs are counted once before training by a forward pass under a
``with torch.no_grad():`` block; training calls the model's loss method through a name holding it (``loss_func =
self.model.calculate_loss``), copies the result (``loss = losses``) and runs backward on an expression through a
(disabled) gradient scaler (the loss plus a sync term, scaled, then backward); validation after every epoch is a method
decorated ``@torch.no_grad()`` that puts the model in evaluation mode."""

import torch
from torch import nn


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.users = nn.Embedding(n_users, dim)
        self.items = nn.Embedding(n_items, dim)

    def forward(self, user, item):
        return (self.users(user) * self.items(item)).sum(-1)

    def calculate_loss(self, batch):
        user, pos, neg = batch
        pos_score = self.forward(user, pos)
        neg_score = self.forward(user, neg)
        loss = -torch.log(torch.sigmoid(pos_score - neg_score) + 1e-10).mean()
        return loss


def count_flops(model, inputs):
    model.eval()
    with torch.no_grad():
        out = model(*inputs)
    return out.numel() * 2


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def _train_epoch(self, batches):
        self.model.train()
        loss_func = self.model.calculate_loss
        scaler = torch.amp.GradScaler(enabled=False)
        for batch in batches:
            self.optimizer.zero_grad()
            sync_loss = 0
            losses = loss_func(batch)
            loss = losses
            scaler.scale(loss + sync_loss).backward()
            scaler.step(self.optimizer)
            scaler.update()

    @torch.no_grad()
    def evaluate(self, batches):
        self.model.eval()
        hits = 0
        for user, pos, neg in batches:
            hits += (self.model(user, pos) > self.model(user, neg)).sum().item()
        return hits / sum(len(b[0]) for b in batches)

    def fit(self, train_batches, valid_batches, epochs):
        for _epoch in range(epochs):
            self._train_epoch(train_batches)
            print(f"valid auc {self.evaluate(valid_batches):.3f}")


def main():
    torch.manual_seed(0)
    make = lambda: (torch.randint(0, 20, (16,)), torch.randint(0, 30, (16,)), torch.randint(0, 30, (16,)))  # noqa: E731
    train_batches, valid_batches = [make() for _ in range(4)], [make() for _ in range(2)]
    model = MF(20, 30, 8)
    print(f"flops {count_flops(model, train_batches[0][:2])}")
    Trainer(model).fit(train_batches, valid_batches, epochs=2)


if __name__ == "__main__":
    main()
