"""Tabular self-play, in plain Python: a referee object plays one game between two players per iteration; every
move it makes is recorded by each player (``self.states.append``), and after the game each player sweeps the states
it saw and moves its value table towards the next state's value. No tensors, no gradients, no environment with a
``step``: the game is the experience each update learns from, and the referee is where it comes from."""

import random


class Player:
    def __init__(self, step_size, epsilon):
        self.values = {state: 0.5 for state in range(13)}
        self.step_size = step_size
        self.epsilon = epsilon
        self.states = []

    def reset(self):
        self.states = []

    def see(self, state):
        self.states.append(state)

    def act(self, choices):
        if random.random() < self.epsilon:
            return random.choice(choices)
        return max(choices, key=lambda s: self.values[s])

    def backup(self, final):
        self.values[self.states[-1]] = final
        for i in reversed(range(len(self.states) - 1)):
            state = self.states[i]
            td_error = self.values[self.states[i + 1]] - self.values[state]
            self.values[state] += self.step_size * td_error


class Referee:
    def __init__(self, first, second):
        self.players = (first, second)

    def play(self):
        for p in self.players:
            p.reset()
        state = 0
        turn = 0
        while state < 10:
            player = self.players[turn % 2]
            state = player.act([state + 1, state + 2, state + 3])
            for p in self.players:
                p.see(state)
            turn += 1
        return turn % 2


def train(games):
    first = Player(step_size=0.1, epsilon=0.2)
    second = Player(step_size=0.1, epsilon=0.2)
    referee = Referee(first, second)
    wins = 0
    for _game in range(games):
        winner = referee.play()
        wins += winner
        first.backup(1.0 if winner == 1 else 0.0)
        second.backup(1.0 if winner == 0 else 0.0)
    print(f"second player won {wins} of {games}")


if __name__ == "__main__":
    random.seed(0)
    train(40)
