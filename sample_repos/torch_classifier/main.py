"""Train or evaluate the blob classifier.

    python main.py --mode train               # trains, saves checkpoints/classifier.pt
    python main.py --mode eval                # loads it, prints validation accuracy
    python main.py --mode train --epochs 1    # override any config value
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import nn

from data import build_loaders
from engine import evaluate, train_one_epoch
from model import MLPClassifier

HERE = Path(__file__).resolve().parent


def load_config(args: argparse.Namespace) -> dict:
    cfg = json.loads(Path(args.config).read_text())
    for key in ("epochs", "lr", "batch_size", "checkpoint", "seed"):
        value = getattr(args, key)
        if value is not None:
            cfg[key] = value
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["train", "eval"], required=True)
    parser.add_argument("--config", default=str(HERE / "configs" / "default.json"))
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--batch-size", dest="batch_size", type=int)
    parser.add_argument("--checkpoint")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    cfg = load_config(args)

    torch.manual_seed(cfg["seed"])
    train_loader, val_loader = build_loaders(cfg)
    model = MLPClassifier(cfg["num_features"], cfg["hidden"], cfg["num_classes"])

    if args.mode == "train":
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(1, cfg["epochs"] + 1):
            loss = train_one_epoch(model, train_loader, optimizer, loss_fn)
            accuracy = evaluate(model, val_loader)
            print(f"epoch {epoch}: train loss {loss:.4f}  val accuracy {accuracy:.3f}", flush=True)
        Path(cfg["checkpoint"]).parent.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "config": cfg}, cfg["checkpoint"])
        print(f"saved checkpoint to {cfg['checkpoint']}")
    else:
        state = torch.load(cfg["checkpoint"], map_location="cpu")
        model.load_state_dict(state["model"])
        print(f"val accuracy: {evaluate(model, val_loader):.3f}")


if __name__ == "__main__":
    main()
