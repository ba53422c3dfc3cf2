"""Word2vec-style training: the settings are the keyword defaults of a plain trainer class's __init__, copied onto
self; the data is a corpus object built in __init__ from a text file, whose methods fetch each batch (negatives
picked with numpy from a table of word counts); the model's forward returns the loss; after the loop the embeddings
are written by hand as a text file (open(path, 'w') and one line per word)."""

import sys

import numpy as np
import torch
from torch import nn


class Corpus:
    def __init__(self, file_name, min_count):
        with open(file_name) as f:
            words = f.read().split()
        counts = {}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        self.word2id = {w: i for i, w in enumerate(sorted(w for w, c in counts.items() if c >= min_count))}
        self.id2word = {i: w for w, i in self.word2id.items()}
        self.ids = [self.word2id[w] for w in words if w in self.word2id]
        self.table = np.array([i for w, i in self.word2id.items() for _ in range(counts[w])])
        self.pos = 0

    def get_pairs(self, size):
        pairs = []
        for _ in range(size):
            if self.pos + 1 >= len(self.ids):
                self.pos = 0
            pairs.append((self.ids[self.pos], self.ids[self.pos + 1]))
            self.pos += 1
        return pairs

    def negatives(self, pairs, k):
        return np.random.choice(self.table, size=(len(pairs), k)).tolist()


class SkipGram(nn.Module):
    def __init__(self, n, dim):
        super().__init__()
        self.u = nn.Embedding(n, dim)
        self.v = nn.Embedding(n, dim)

    def forward(self, pos_u, pos_v, neg_v):
        score = torch.sigmoid((self.u(pos_u) * self.v(pos_v)).sum(1)).log()
        neg = torch.sigmoid(-torch.bmm(self.v(neg_v), self.u(pos_u).unsqueeze(2)).squeeze(2)).log()
        return -(score.sum() + neg.sum())

    def save_embedding(self, id2word, file_name):
        weights = self.u.weight.data.numpy()
        fout = open(file_name, "w")
        fout.write(f"{len(id2word)} {weights.shape[1]}\n")
        for i, w in id2word.items():
            fout.write(w + " " + " ".join(str(x) for x in weights[i]) + "\n")
        fout.close()


class Trainer:
    def __init__(self, input_file_name, output_file_name, emb_dimension=8, batch_size=16, initial_lr=0.05, min_count=2):
        self.data = Corpus(input_file_name, min_count)
        self.output_file_name = output_file_name
        self.emb_dimension = emb_dimension
        self.batch_size = batch_size
        self.initial_lr = initial_lr
        self.model = SkipGram(len(self.data.word2id), self.emb_dimension)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=self.initial_lr)

    def train(self, steps):
        for i in range(steps):
            pairs = self.data.get_pairs(self.batch_size)
            neg_v = self.data.negatives(pairs, 3)
            pos_u = torch.LongTensor([p[0] for p in pairs])
            pos_v = torch.LongTensor([p[1] for p in pairs])
            neg_v = torch.LongTensor(neg_v)
            self.optimizer.zero_grad()
            loss = self.model.forward(pos_u, pos_v, neg_v)
            loss.backward()
            self.optimizer.step()
        self.model.save_embedding(self.data.id2word, self.output_file_name)


if __name__ == "__main__":
    np.random.seed(0)
    torch.manual_seed(0)
    trainer = Trainer(input_file_name=sys.argv[1], output_file_name=sys.argv[2])
    trainer.train(12)
