"""Shape fixture: a user script of a few lines drives a library-like package of the repo (stable-baselines3's
shape): the loop, rollout, loss, backward and step live in the package; the settings are keyword arguments
of the algorithm's constructor; evaluation loops over the agent's no-grad predict(); torch."""

from algo import Agent, CartEnv, evaluate

env = CartEnv(seed=0)
agent = Agent(env, n_steps=16, batch_size=8, n_epochs=2, learning_rate=0.01, seed=0)
agent.learn(total_steps=64)
mean_reward = evaluate(agent, env, episodes=2)
print("mean reward", mean_reward)
agent.save("agent.pt")
