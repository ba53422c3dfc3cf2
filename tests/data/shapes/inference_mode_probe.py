"""scarf-style: an encoder trained without labels, then embeddings taken by a method decorated
``@torch.inference_mode()`` (it calls the encoder, not ``forward``, and the model is never put in ``.eval()``) and a
least-squares probe fitted on them outside torch: that method is where the model is run without learning."""

import torch
from torch import nn


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(6, 3)
        self.decoder = nn.Linear(3, 6)

    def forward(self, x):
        return self.decoder(torch.relu(self.encoder(x)))

    @torch.inference_mode()
    def get_embeddings(self, x):
        return self.encoder(x)


def main():
    torch.manual_seed(0)
    X = torch.randn(64, 6)
    labels = (X[:, 0] > 0).float()
    model = Autoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _epoch in range(3):
        for i in range(0, len(X), 16):
            batch = X[i : i + 16]
            loss = ((model(batch) - batch) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    embeddings = model.get_embeddings(X)
    design = torch.cat([embeddings, torch.ones(len(X), 1)], dim=1).numpy()
    solution = torch.linalg.lstsq(torch.from_numpy(design), labels[:, None]).solution
    accuracy = float((((torch.from_numpy(design) @ solution)[:, 0] > 0.5).float() == labels).float().mean())
    print(f"probe accuracy {accuracy:.2f}")


if __name__ == "__main__":
    main()
