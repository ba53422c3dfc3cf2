"""The DDPM forward process and denoising loss in numpy: a linear beta schedule, alpha-bar
by cumulative product, one-jump noising, and the MSE between predicted and true noise."""

import numpy as np

rng = np.random.default_rng(2)
T = 100
betas = np.linspace(1e-4, 0.02, T)
alphas = 1.0 - betas
alphas_cumprod = np.cumprod(alphas)
W = rng.normal(0, 0.01, (8, 8))


def denoiser(x_t, t):
    return x_t @ W


def diffusion_loss(x0):
    t = rng.integers(0, T, size=x0.shape[0])
    noise = rng.standard_normal(x0.shape)
    a_bar = alphas_cumprod[t][:, None]
    x_t = np.sqrt(a_bar) * x0 + np.sqrt(1.0 - a_bar) * noise
    pred = denoiser(x_t, t)
    loss = ((pred - noise) ** 2).mean()
    return loss


for step in range(2):
    x0 = rng.normal(0, 1, (64, 8))
    print("loss", round(float(diffusion_loss(x0)), 4))
