"""Stochastic weight averaging and exponential moving averages of a model's weights,
with PyTorch's names (``torch.optim.swa_utils``):

    swa_model = AveragedModel(model)             # or get_ema_multi_avg_fn(0.999)
    swa_scheduler = SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
    update_bn(loader, swa_model)                 # BatchNorm statistics of the average

The averaging functions compute as PyTorch's, so the averages are PyTorch's: the SWA
weight 1 / (n + 1) is a tensor of the default dtype (float32) when n is the model's
counter, and an integer buffer (``num_batches_tracked``, with ``use_buffers=True``) is
averaged in floating point and truncated back.
"""
import copy
import itertools
import math

from autograd import Tensor, is_floating_point, no_grad, tensor
from autograd.errors import ArgumentError

from ..module import Module
from ..norm import _BatchNorm, _InstanceNorm
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if not 0.0 <= decay <= 1.0:
        raise ArgumentError(f"invalid decay {decay!r}; it must be in [0, 1]")


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place averaging function over lists of tensors:
    ``ema <- decay * ema + (1 - decay) * current`` (a lerp for floating tensors)."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        for ema, current in zip(ema_param_list, current_param_list, strict=True):
            if is_floating_point(ema_param_list[0]):
                ema.lerp_(current, 1 - decay)
            else:
                ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place averaging function over lists of tensors: the running mean
    ``avg <- avg + (current - avg) / (n + 1)`` after n models."""
    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        for avg, current in zip(averaged_param_list, current_param_list, strict=True):
            if is_floating_point(averaged_param_list[0]):
                avg.lerp_(current, 1 / (num_averaged + 1))
            elif isinstance(num_averaged, Tensor):
                avg.addcdiv_(current - avg, num_averaged + 1)
            else:
                avg.add_(current - avg, alpha=1.0 / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An averaging function returning ``decay * ema + (1 - decay) * current``."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """An averaging function returning ``avg + (current - avg) / (n + 1)``."""
    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of `model` (``self.module``) whose parameters (and buffers, with
    `use_buffers`) ``update_parameters(model)`` averages with `model`'s: the first call
    copies them, later ones apply `avg_fn` (``avg_fn(averaged, current, n)`` returning
    the new average) or `multi_avg_fn` (in place over lists, per dtype), by default
    the equal-weight mean of all the models seen. Without `use_buffers` the buffers
    are copied from `model` at each call. ``n_averaged`` (an int64 buffer) counts the
    calls; neither function is in the state dict."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ArgumentError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype="int64"))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module):
        if self.use_buffers:
            return list(itertools.chain(module.parameters(), module.buffers()))
        return list(module.parameters())

    @no_grad()
    def update_parameters(self, model):
        """Average `model`'s parameters (and buffers, with `use_buffers`) into this
        model's, and count it."""
        pairs = [(avg.detach(), current.detach())
                 for avg, current in zip(self._averaged(self.module), self._averaged(model))]
        first = self.n_averaged.item() == 0
        if first:
            for avg, current in pairs:
                avg.copy_(current)
        elif self.multi_avg_fn is not None or self.avg_fn is None:
            by_dtype = {}
            for avg, current in pairs:
                lists = by_dtype.setdefault(avg.dtype, ([], []))
                lists[0].append(avg)
                lists[1].append(current)
            for averaged, currents in by_dtype.values():
                if self.multi_avg_fn is not None:
                    self.multi_avg_fn(averaged, currents, self.n_averaged)
                else:                   # PyTorch's choice on the CPU: one tensor at a time
                    swa = get_swa_avg_fn()
                    for avg, current in zip(averaged, currents):
                        avg.copy_(swa(avg, current, self.n_averaged))
        else:
            for avg, current in pairs:
                avg.copy_(self.avg_fn(avg, current, self.n_averaged))
        if not self.use_buffers:
            mine, theirs = list(self.module.buffers()), list(model.buffers())
            if len(mine) != len(theirs):
                raise ArgumentError(f"AveragedModel.update_parameters: the model has "
                                    f"{len(theirs)} buffers, the averaged one {len(mine)}")
            for b, current in zip(mine, theirs):
                b.detach().copy_(current.detach())
        self.n_averaged.add_(1)


@no_grad()
def update_bn(loader, model, device=None):
    """Recompute the running statistics of `model`'s BatchNorm layers in one pass over
    `loader` (tensors, or lists/tuples whose first item is the input): the statistics
    are reset, then averaged over every batch with equal weights (momentum None), in
    training mode; the layers' momentum and the model's mode are put back."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's lr to its `swa_lr` (one value, or one per group, kept in the
    group as ``'swa_lr'``) over `anneal_epochs` steps, by a cosine ('cos') or a straight
    line ('linear'), then keeps it there. PyTorch's rule: with t = min(1, step /
    anneal_epochs) and alpha its annealed value, lr = swa_lr alpha + lr0 (1 - alpha),
    lr0 recovered from the current lr and the previous step's alpha."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr),
                                optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"SWALR: anneal_strategy must be 'cos' or 'linear', got "
                                f"{anneal_strategy!r}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ArgumentError(f"SWALR: anneal_epochs must be an int >= 0, got "
                                f"{anneal_epochs!r}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = (self._cosine_anneal if anneal_strategy == "cos"
                            else self._linear_anneal)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        return [group["swa_lr"] * alpha
                + self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha) * (1 - alpha)
                for group in groups]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
