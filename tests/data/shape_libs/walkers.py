"""A tiny environment library, kept outside the traced root of the shape fixtures (as gym would be)."""

import torch


class Walker:
    """A 1-D walk: reach +3 to win; 12 steps at most. The old gym API: (obs, reward, done, info)."""

    def reset(self):
        self.pos, self.t = 0, 0
        return torch.zeros(2)

    def step(self, action):
        self.pos += 1 if action == 1 else -1
        self.t += 1
        done = abs(self.pos) >= 3 or self.t >= 12
        return torch.tensor([self.pos / 3.0, self.t / 12.0]), float(self.pos >= 3), done, {}
