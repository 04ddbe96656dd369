"""A GAN's two steps compiled and called in turn: the discriminator's step (real and fake
batches, zero_grad, Adam) and the generator's, whose backward accumulates into the
discriminator's gradients (it does not zero them). Generator 64-64-784, discriminator
784-64-1, batch 32, float32. ``pair()`` is one D step then one G step; used by
instructions.py's ``gan_compiled`` (callgrind), or timed here:

    python benchmarks/gan_alternation.py
"""
import time

import numpy as np

B, Z = 32, 64


def pair():
    """A function making one discriminator step and one generator step, both compiled."""
    import autograd as ag
    import nn
    import nn.functional as F
    from nn import optim
    ag.manual_seed(0)
    gen = nn.Sequential(nn.Linear(Z, 64), nn.ReLU(), nn.Linear(64, 784))
    disc = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
    opt_g, opt_d = optim.Adam(gen.parameters(), lr=1e-3), optim.Adam(disc.parameters(), lr=1e-3)
    bce = F.binary_cross_entropy_with_logits

    def d_step(x):
        opt_d.zero_grad()
        real, fake = disc(x), disc(gen(ag.randn(x.shape[0], Z)).detach())
        loss = bce(real, ag.ones_like(real)) + bce(fake, ag.zeros_like(fake))
        loss.backward()
        opt_d.step()
        return loss

    def g_step(n):
        opt_g.zero_grad()
        logits = disc(gen(ag.randn(n, Z)))
        loss = bce(logits, ag.ones_like(logits))
        loss.backward()
        opt_g.step()
        return loss
    d, g = ag.compile(d_step), ag.compile(g_step)
    x = ag.tensor(np.random.default_rng(0).standard_normal((B, 784)).astype(np.float32))

    def step():
        d(x)
        g(B)
    return step


if __name__ == "__main__":
    step = pair()
    for _ in range(10):
        step()
    times = []
    for _ in range(15):
        t0 = time.thread_time()
        for _ in range(20):
            step()
        times.append((time.thread_time() - t0) / 20 * 1e6)
    print(f"GAN D+G pair under ag.compile: {sorted(times)[len(times) // 2]:.0f} us "
          f"(median of 15 rounds of 20, thread time)")
