"""One evaluation function called on two splits after every epoch (Informer's vali on the validation and the
test loader): each split's results are their own series."""

import torch
from torch import nn

torch.manual_seed(0)
W = torch.tensor([[1.0], [-1.0], [2.0]])
train_x, val_x, test_x = torch.randn(96, 3), torch.randn(32, 3), torch.randn(32, 3) * 3


def evaluate(model, x):
    model.eval()
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(x), x @ W).item()
    model.train()
    return loss


def main():
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(4):
        for i in range(0, 96, 32):
            x = train_x[i : i + 32]
            loss = nn.functional.mse_loss(model(x), x @ W)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_loss = evaluate(model, val_x)
        test_loss = evaluate(model, test_x)
        print(f"epoch {epoch}: val {val_loss:.4f} test {test_loss:.4f}")


main()
