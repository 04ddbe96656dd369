"""Learning-rate schedulers with PyTorch's semantics.

A scheduler sets ``group['lr']`` of its optimizer's groups. Construction records
``group['initial_lr']`` (the base lr) and takes the first step, to ``last_epoch = 0``;
each ``step()`` advances ``last_epoch`` by one. ``get_lr()`` is PyTorch's chainable
(recursive) rule, which updates the current lr, so schedulers can be stacked and the
numbers match PyTorch's; ``step(epoch)`` uses the closed form. ``state_dict()`` holds
everything but the optimizer (and LambdaLR's functions). To resume, build the
optimizer and the scheduler, then load both state dicts (the constructor's first
step changes the lr, which loading the optimizer's state dict restores).

``ReduceLROnPlateau`` steps on a metric (``step(val_loss)``) and its constructor leaves
the lr alone; ``OneCycleLR`` and ``CyclicLR`` are stepped per batch; ``SequentialLR``
hands over from one scheduler to the next at milestones, ``ChainedScheduler`` steps
several at once. ``CyclicLR`` and ``CosineAnnealingWarmRestarts`` live in
``lr_cycles.py``.
"""
import math
import types
from bisect import bisect_right

from autograd.jit import replayed
from autograd.errors import ArgumentError

from .optimizer import Optimizer


def _check_optimizer(scheduler, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise ArgumentError(f"{type(scheduler).__name__}: {type(optimizer).__name__} is not an "
                        f"Optimizer")


class LRScheduler:
    """Base class: subclasses define ``get_lr()`` and optionally ``_closed_form(base_lr)``."""

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', "
                               f"which resuming with last_epoch={last_epoch} needs; load the "
                               f"optimizer's state dict first, or pass last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The constructor's step: the chainable rules keep the current lr (so resuming
        with last_epoch >= 0 does not move it one step ahead), as PyTorch."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def get_last_lr(self):
        """The lr of each group as set by the last ``step()``."""
        return self._last_lr

    @replayed               # compile: a replay calls it (hook, see autograd/jit)
    def step(self, epoch=None):
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:
            self.last_epoch = epoch
            lrs = (self.get_lr() if type(self)._closed_form is LRScheduler._closed_form
                   else [self._closed_form(base) for base in self.base_lrs])
        self._set_lrs(lrs)

    def _set_lrs(self, lrs):
        """Write one lr per param group; a group added to the optimizer after the
        scheduler was made, which a rule kept per group (base_lrs, lr_lambdas) does not
        cover, is refused (PyTorch: zip's ValueError) rather than left unscheduled."""
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise ArgumentError(f"{type(self).__name__}.step: the optimizer has {len(groups)} "
                                f"param groups but the scheduler has a learning rate for "
                                f"{len(lrs)}; a group added after the scheduler was made is not "
                                f"scheduled: make the scheduler after add_param_group")
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def _closed_form(self, base_lr):
        raise NotImplementedError

    def _lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return base_lr * self.gamma ** (self.last_epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= epoch); a milestone listed
    twice counts twice."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        hits = self.milestones.count(self.last_epoch)
        if not hits:
            return self._lrs()
        return [lr * self.gamma ** hits for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return base_lr * self.gamma ** self.last_epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2, computed
    recursively from the current lr (as PyTorch, so it composes with other schedulers);
    past T_max it rises again (SGDR without restarts)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and e > 0:
            return [self._closed_form(base) for base in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return self.eta_min + (base_lr - self.eta_min) * (
            1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); `lr_lambda` is a function or one per group.
    ``state_dict()`` keeps, as PyTorch, the attributes of callable objects (not of plain
    functions, which are None there)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(type(self).__name__, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = super().state_dict()
        state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(f.__dict__)
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        super().load_state_dict(state)
        for f, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                f.__dict__.update(attrs)


def _lambdas(name, optimizer, lr_lambda):
    n = len(optimizer.param_groups)
    fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
    if len(fns) != n:
        raise ArgumentError(f"{name}: expected {n} lr_lambdas (one per param group), got "
                            f"{len(fns)}")
    for f in fns:
        if not callable(f):
            raise ArgumentError(f"{name}: lr_lambda should be a function, got "
                                f"{type(f).__name__}")
    return fns


class MultiplicativeLR(LambdaLR):
    """lr <- lr * lr_lambda(epoch) at every step after the first (a function or one per
    group)."""

    def get_lr(self):
        if self._is_initial:
            return self._lrs()
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._lrs())]


class ConstantLR(LRScheduler):
    """lr = base_lr * factor until epoch total_iters, then base_lr."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1:
            raise ArgumentError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self.last_epoch != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, n = self.last_epoch, self.total_iters
        if self._is_initial or e > n:
            return self._lrs()
        factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * factor for lr in self._lrs()]

    def _closed_form(self, base_lr):
        return base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) \
            ** self.power


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): lr = base_lr * f with f going linearly from
    start_factor at epoch 0 to end_factor at epoch total_iters, constant after."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ArgumentError(f"LinearLR: start_factor must be in (0, 1] and end_factor in "
                             f"[0, 1], got {start_factor} and {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, s, f, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if e == 0:
            return [lr * s for lr in self._lrs()]
        if self._is_initial or e > n:
            return self._lrs()
        return [lr * (1.0 + (f - s) / (n * s + (e - 1) * (f - s))) for lr in self._lrs()]

    def _closed_form(self, base_lr):
        s, f, n = self.start_factor, self.end_factor, self.total_iters
        return base_lr * (s + (f - s) * min(n, self.last_epoch) / n)


def _per_group(name, optimizer, value):
    """A scalar repeated for each param group, or a list/tuple with one value per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ArgumentError(f"expected {n} values for {name} (one per param group), got "
                             f"{len(value)}")
        return list(value)
    return [value] * n


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` (not below its `min_lr`) once `metric`, passed
    to ``step(metric)``, has not improved for more than `patience` steps; then wait
    `cooldown` steps before counting again. Improving means, for mode 'min', falling
    below best * (1 - threshold) ('rel') or best - threshold ('abs'); for 'max', rising
    above best * (1 + threshold) or best + threshold. A reduction smaller than `eps` is
    skipped. Unlike the other schedulers, construction does not change the lr."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ArgumentError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ArgumentError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', "
                             f"got {threshold_mode!r}")
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = self._lrs()

    def is_better(self, a, best):
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return a > (best * (1.0 + self.threshold) if rel else best + self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    @replayed               # compile: a replay calls it (hook, see autograd/jit)
    def step(self, metrics, epoch=None):
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            groups = self.optimizer.param_groups
            if len(groups) != len(self.min_lrs):     # a group added since: as PyTorch
                if self.default_min_lr is None:
                    raise ArgumentError(f"ReduceLROnPlateau.step: the optimizer has "
                                        f"{len(groups)} param groups but min_lr has "
                                        f"{len(self.min_lrs)} values (a group was added after "
                                        f"the scheduler was made)")
                self.min_lrs = [self.default_min_lr] * len(groups)
            for group, min_lr in zip(groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017), stepped once per batch for `total_steps`
    (or epochs * steps_per_epoch) steps: lr rises from max_lr / div_factor to `max_lr`
    over the first pct_start of the steps, then anneals ('cos' or 'linear') to
    max_lr / (div_factor * final_div_factor). With `three_phase`, it first comes back
    down to max_lr / div_factor symmetrically, and only anneals to the minimum in the
    last phase. With `cycle_momentum`, the optimizer's momentum (or Adam's beta1) moves
    inversely between `max_momentum` and `base_momentum`. Stepping past total_steps
    raises ValueError."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(self, optimizer)
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ArgumentError("OneCycleLR: pass total_steps, or epochs and steps_per_epoch")
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if not isinstance(value, int) or value <= 0:
                    raise ArgumentError(f"OneCycleLR: {name} must be a positive int, got {value!r}")
            total_steps = epochs * steps_per_epoch
        elif not isinstance(total_steps, int) or total_steps <= 0:
            raise ArgumentError(f"OneCycleLR: total_steps must be a positive int, got "
                             f"{total_steps!r}")
        if not 0 <= pct_start <= 1:
            raise ArgumentError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        up = float(pct_start * total_steps) - 1
        # (last step of the phase, lr key at its start, at its end, momentum keys alike)
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (2 * up, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                            (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                             "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (total_steps - 1, "max_lr", "min_lr", "base_momentum",
                             "max_momentum")]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_is_beta1("OneCycleLR", optimizer)
        if last_epoch == -1:
            groups = optimizer.param_groups
            for group, top in zip(groups, _per_group("max_lr", optimizer, max_lr)):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                for group, hi, lo in zip(groups,
                                         _per_group("max_momentum", optimizer, max_momentum),
                                         _per_group("base_momentum", optimizer, base_momentum)):
                    self._set_momentum(group, hi)
                    group["max_momentum"], group["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ArgumentError(f"OneCycleLR: tried to step {step} times; total_steps is "
                             f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs


def _momentum_is_beta1(name, optimizer):
    """For a scheduler that cycles momentum: True if `optimizer` keeps it as betas[0] (Adam),
    False if as 'momentum' (SGD, RMSprop); an ArgumentError if it has neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ArgumentError(f"{name}: cycle_momentum needs an optimizer with momentum or betas; "
                            f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)")
    return "betas" in optimizer.defaults


def _check_schedulers(name, schedulers, optimizer, combined, which):
    """The schedulers a SequentialLR or ChainedScheduler combines: at least one, none a
    ReduceLROnPlateau (its step needs a metric), all driving `optimizer`."""
    if len(schedulers) < 1:
        raise ArgumentError(f"{name}: expected at least one scheduler")
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):
            raise ArgumentError(f"{name}: schedulers[{i}] is a ReduceLROnPlateau, whose step "
                                f"needs a metric; it cannot be {combined}")
        if getattr(s, "optimizer", None) is not optimizer:
            raise ArgumentError(f"{name}: schedulers[{i}] ({type(s).__name__}) drives another "
                                f"optimizer; all must drive {which}")


class SequentialLR(LRScheduler):
    """Hand over from one scheduler to the next at each milestone: ``schedulers[i]`` runs
    from milestones[i - 1] (restarted at its epoch 0 there) until milestones[i]. All
    must drive `optimizer`; ReduceLROnPlateau is not accepted (its step needs a metric).
    ``state_dict()`` holds the schedulers' state dicts."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_schedulers("SequentialLR", schedulers, optimizer, "sequenced", "the one given")
        if len(milestones) != len(schedulers) - 1:
            raise ArgumentError(f"SequentialLR: expected {len(schedulers) - 1} milestones (one "
                             f"fewer than the schedulers), got {len(milestones)}")
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:      # undo the schedulers' first steps
            group["lr"] = group["initial_lr"]
        self._undo_first_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @classmethod
    def _undo_first_steps(cls, scheduler):
        if isinstance(scheduler, SequentialLR):
            for s in scheduler._schedulers:
                cls._undo_first_steps(s)
        else:
            scheduler.last_epoch -= 1

    @replayed               # compile: a replay calls it (hook, see autograd/jit)
    def step(self):
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        for s, sd in zip(self._schedulers, state.pop("_schedulers")):
            s.load_state_dict(sd)
        self.__dict__.update(state)


class ChainedScheduler(LRScheduler):
    """Step every scheduler in `schedulers` at each ``step()``, in order, so their
    (chainable) factors multiply. All must drive the same optimizer; ReduceLROnPlateau
    is not accepted. ``state_dict()`` holds the schedulers' state dicts."""

    def __init__(self, schedulers, optimizer=None):
        if optimizer is None and len(schedulers) > 0:
            optimizer = schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", schedulers, optimizer, "chained", "the same one")
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._lrs()

    @replayed               # compile: a replay calls it (hook, see autograd/jit)
    def step(self):
        for s in self._schedulers:
            s.step()
        self._last_lr = self._lrs()

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict


from .lr_cycles import CosineAnnealingWarmRestarts, CyclicLR  # noqa: E402,F401
