"""The evaluation returns nothing: it prints the test loss and accuracy it computed (pytorch/examples style)."""

import torch
from torch import nn

torch.manual_seed(0)
X = torch.randn(128, 4)
Y = (X.sum(dim=1) > 0).long()


def test(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        test_loss = nn.functional.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(dim=1) == y).float().mean().item()
    print(f"test loss {test_loss:.4f}, accuracy {accuracy:.3f}")


def main():
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(3):
        model.train()
        for i in range(0, 128, 32):
            loss = nn.functional.cross_entropy(model(X[i : i + 32]), Y[i : i + 32])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        test(model, X, Y)


main()
