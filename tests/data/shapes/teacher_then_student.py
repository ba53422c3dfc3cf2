"""Two training procedures one after the other: a teacher trained on its own, then a student trained in another
function against the frozen teacher's outputs (distillation), each with its own optimizer."""

import torch
import torch.nn.functional as F
from torch import nn


def train_teacher(teacher, batches):
    optimizer = torch.optim.SGD(teacher.parameters(), lr=0.1)
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(teacher(x), y)
        loss.backward()
        optimizer.step()


def distill(student, teacher, batches, temperature=2.0):
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
    for x, _y in batches:
        optimizer.zero_grad()
        with torch.no_grad():
            soft = F.softmax(teacher(x) / temperature, dim=1)
        loss = F.kl_div(F.log_softmax(student(x) / temperature, dim=1), soft, reduction="batchmean")
        loss.backward()
        optimizer.step()


def main():
    torch.manual_seed(0)
    batches = [(torch.randn(8, 5), torch.randint(0, 3, (8,))) for _ in range(6)]
    teacher, student = nn.Linear(5, 3), nn.Linear(5, 3)
    train_teacher(teacher, batches)
    distill(student, teacher, batches)


if __name__ == "__main__":
    main()
