"""``autograd.random``, as ``torch.random``: the default generator's seed and state, and
``fork_rng``, a block whose draws leave the generator as it found it."""
import contextlib

from .creation import get_rng_state, initial_seed, manual_seed, seed, set_rng_state  # noqa: F401


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cpu"):
    """Run the block with the default generator's state saved, and restore it after (also
    when the block raises), as ``torch.random.fork_rng``: draws after the block repeat the
    ones the block would have been followed by. `enabled=False` does nothing."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
