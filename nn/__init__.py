"""gradgraph's neural-network library, with PyTorch's names: modules and layers, losses,
``nn.functional`` (as ``F``) and ``nn.init``.

    import nn
    import nn.functional as F
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    loss = F.cross_entropy(model(x), y)
"""
from .module import IncompatibleKeys, Module, Parameter, StateDictError
from .parameter import Buffer
from .containers import MLP, ModuleDict, ModuleList, Sequential
from .parameter_containers import ParameterDict, ParameterList
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .volumetric import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, CircularPad3d,
                         ConstantPad3d, Conv3d, MaxPool3d, ReflectionPad3d, ReplicationPad3d,
                         ZeroPad3d)
from .spatial import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AvgPool1d, CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d,
                      Conv1d, Fold, MaxPool1d, PixelShuffle, PixelUnshuffle, ReflectionPad1d,
                      ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, Upsample,
                      Unfold, UpsamplingBilinear2d, UpsamplingNearest2d, ZeroPad1d,
                      ZeroPad2d)
from .norm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d,
                   InstanceNorm2d, InstanceNorm3d, LayerNorm, RMSNorm)
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh,
                         LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU,
                         SiLU, Sigmoid, Softmax, Softmax2d, Softmin, Softplus, Softshrink,
                         Softsign, Tanh, Tanhshrink, Threshold)
from .dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d,
                      FeatureAlphaDropout)
from .embedding import Embedding, EmbeddingBag
from .attention import MultiheadAttention
from .recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .losses import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                     MSELoss, NLLLoss, NLLLoss2d, SmoothL1Loss)
from .losses_extra import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,
                           MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                           MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                           TripletMarginWithDistanceLoss)
from .pooling_extra import (ChannelShuffle, LocalResponseNorm, LPPool1d, LPPool2d, LPPool3d,
                            MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
from .pooling_fractional import FractionalMaxPool2d, FractionalMaxPool3d
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear,
                   UninitializedBuffer, UninitializedParameter)
from .distance import CosineSimilarity, PairwiseDistance
from .ctc import CTCLoss
from . import functional, init

# --- optimisation, data, utilities, checkpoints ---------------------------------------------
from . import optim, data, utils
from .serialization import load, save
from .safetensors_io import load_safetensors, save_safetensors

# --- parallel training ------------------------------------------------------------------------
from . import parallel
from .parallel import SyncBatchNorm
