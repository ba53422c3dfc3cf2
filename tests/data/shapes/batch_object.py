"""A recommender-style batch: the loader yields a batch *object* (fields by key, moved with ``.to(device)``); the
trainer hands it to the model's loss method, which takes the fields out by key (``user = interaction["user"]``)
before the forward pass. The batch is where the trainer's loop takes that object."""

import torch
from torch import nn


class Interaction:
    def __init__(self, fields):
        self.fields = fields

    def __getitem__(self, key):
        return self.fields[key]

    def to(self, device):
        return Interaction({k: v.to(device) for k, v in self.fields.items()})


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim):
        super().__init__()
        self.users = nn.Embedding(n_users, dim)
        self.items = nn.Embedding(n_items, dim)

    def forward(self, user, item):
        return (self.users(user) * self.items(item)).sum(-1)

    def calculate_loss(self, interaction):
        user = interaction["user"]
        item = interaction["item"]
        label = interaction["label"]
        score = self.forward(user, item)
        loss = nn.functional.binary_cross_entropy_with_logits(score, label)
        return loss


def train(model, loader, epochs):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _epoch in range(epochs):
        for interaction in loader:
            interaction = interaction.to("cpu")
            optimizer.zero_grad()
            loss = model.calculate_loss(interaction)
            loss.backward()
            optimizer.step()


def main():
    torch.manual_seed(0)
    loader = [
        Interaction({"user": torch.randint(0, 10, (8,)), "item": torch.randint(0, 12, (8,)), "label": torch.rand(8).round()})
        for _ in range(3)
    ]
    train(MF(10, 12, 4), loader, epochs=2)


if __name__ == "__main__":
    main()
