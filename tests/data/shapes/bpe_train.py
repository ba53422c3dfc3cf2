"""Shape fixture: a byte-pair-encoding tokenizer trained by a method loop (minbpe's shape): no model, loss,
gradient or optimizer; each iteration merges the most frequent pair and records the merge on the object,
which is then saved to a file."""

import sys
from collections import Counter


def pair_counts(ids):
    return Counter(zip(ids, ids[1:]))  # counted in C: merge() below is the hot function


def merge(ids, pair, idx):
    out, i = [], 0
    while i < len(ids):
        if i < len(ids) - 1 and (ids[i], ids[i + 1]) == pair:
            out.append(idx)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class Tokenizer:
    def __init__(self):
        self.merges = {}

    def train(self, text, vocab_size):
        ids = list(text.encode("utf-8"))
        merges = {}
        for i in range(vocab_size - 256):
            counts = pair_counts(ids)
            pair = max(counts, key=counts.get)
            idx = 256 + i
            ids = merge(ids, pair, idx)
            merges[pair] = idx
        self.merges = merges

    def save(self, path):
        with open(path, "w") as f:
            for (a, b), idx in self.merges.items():
                f.write(f"{a} {b} {idx}\n")


text = "the cat sat on the mat with the hat " * 40
tokenizer = Tokenizer()
tokenizer.train(text, 266)
tokenizer.save(sys.argv[1] if len(sys.argv) > 1 else "bpe.model")
print(len(tokenizer.merges), "merges")
