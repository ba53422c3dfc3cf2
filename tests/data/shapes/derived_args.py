"""Arguments parsed, then changed by the program before training (cleanrl and Informer style): a field derived
from others, a flag turned off when no GPU is found, a field added; the experiment object gets the namespace."""

import argparse

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--num-envs", type=int, default=2)
parser.add_argument("--num-steps", type=int, default=8)
parser.add_argument("--use-gpu", type=bool, default=True)
parser.add_argument("--lr", type=float, default=0.1)
args = parser.parse_args()
args.batch_size = int(args.num_envs * args.num_steps)
args.use_gpu = torch.cuda.is_available() and args.use_gpu


class Experiment:
    def __init__(self, args):
        self.args = args
        self.model = torch.nn.Linear(3, 1)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=args.lr)

    def train(self):
        for step in range(4):
            x = torch.randn(self.args.batch_size, 3)
            loss = self.model(x).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


Experiment(args).train()
