"""Optimizers and learning-rate schedulers with PyTorch's names and update rules.

    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    sched.step()

Of torch.optim's names two are left out: ``SparseAdam`` updates only the rows a sparse
gradient touches, and gradgraph has no sparse tensors (an ``Embedding``'s gradient is
dense); ``swap_in_optimizer_params_and_state`` swaps FakeTensors in for tracing a step
with torch.fx, where ``ag.compile`` traces the step itself.
"""
from .optimizer import Optimizer, required
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad, Adadelta
from .adam_variants import Adamax, NAdam, RAdam
from .asgd import ASGD
from .rprop import Rprop
from .lbfgs import LBFGS
from .adafactor import Adafactor
from .muon import Muon
from . import lr_scheduler, swa_utils

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "Adafactor", "Muon", "lr_scheduler",
           "swa_utils", "required"]
