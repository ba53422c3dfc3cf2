"""A minimal, readable Proximal Policy Optimization (PPO) in numpy.

Modules, in the order a newcomer should read them:

- ``config``   hyper-parameters as one dataclass
- ``env``      CartPole-v1 in pure Python, Gymnasium-style ``reset``/``step``
- ``model``    actor-critic MLP with a hand-written backward pass
- ``storage``  rollout buffer and Generalized Advantage Estimation (GAE)
- ``loss``     clipped surrogate objective, value loss, entropy bonus
- ``optim``    Adam
- ``agent``    rollout collection and the PPO update (minibatch epochs)
"""
