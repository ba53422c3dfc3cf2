def evaluate(agent, env, episodes=1):
    totals = []
    for _ in range(episodes):
        obs, done, total = env.reset(), False, 0.0
        while not done:
            action = agent.predict(obs)
            obs, reward, done, _ = env.step(action)
            total += reward
        totals.append(total)
    return sum(totals) / len(totals)
