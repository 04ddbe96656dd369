"""``autograd.cuda``: what code written for PyTorch asks before choosing a device.
gradgraph runs on the CPU, so no CUDA device is ever available."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """No CUDA generator to seed (PyTorch also ignores this without CUDA)."""


manual_seed_all = manual_seed
