"""``conv_transpose1d/2d/3d`` (re-exported by ``nn.functional``) and the
``ConvTranspose1d/2d/3d`` modules, with PyTorch's arguments and layouts:
weight (in_channels, out_channels / groups, *kernel), bias (out_channels,).

The transposed convolution is the adjoint of conv2d's window gathering: each input pixel
times the kernel gives a block of columns, and ``fold`` (the adjoint of ``unfold``) adds
the overlapping blocks into the output; so its gradients come from matmul's and Fold's.
"""
import numpy as np

from autograd import ops
from autograd.errors import ArgumentError, DtypeError, ShapeError

from . import functional as F
from .conv import _Conv
from .functional_spatial import _single


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The adjoint of conv2d: input (N, C_in, H, W) or (C_in, H, W), weight
    (C_in, C_out / groups, kh, kw) -> (N, C_out, H_out, W_out), H_out = (H - 1) stride
    - 2 padding + dilation (kh - 1) + output_padding + 1."""
    x, batched = F._as_4d(input, "conv_transpose2d")
    if weight.ndim != 4:
        raise ShapeError(f"conv_transpose2d: weight must be 4-d (in_channels, out_channels / "
                         f"groups, kh, kw), got shape {weight.shape}")
    if x.data.dtype != weight.data.dtype:
        raise DtypeError(f"conv_transpose2d: input of dtype {x.data.dtype} (shape {x.shape}) "
                         f"does not match weight of dtype {weight.data.dtype}")
    n, c, h, w = x.shape
    cin, cout_g, kh, kw = weight.shape
    if c != cin or cin % groups:
        raise ShapeError(f"conv_transpose2d: input of shape {x.shape} with groups={groups} "
                         f"does not match weight of shape {weight.shape} (expected {cin} input "
                         f"channels, divisible by groups)")
    (sh, sw), (ph, pw) = F._pair(stride, "stride"), F._pair(padding, "padding")
    (oph, opw), (dh, dw) = F._pair(output_padding, "output_padding"), F._pair(dilation,
                                                                               "dilation")
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise ArgumentError(f"conv_transpose2d: output padding {(oph, opw)} must be smaller "
                            f"than either stride {(sh, sw)} or dilation {(dh, dw)}")
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if out_h <= 0 or out_w <= 0:
        raise ShapeError(f"conv_transpose2d: input of shape {x.shape} with weight {weight.shape}"
                         f" and padding {(ph, pw)} gives an empty output ({out_h}, {out_w})")
    cin_g, block = cin // groups, cout_g * kh * kw
    pixels = x.reshape(n, groups, cin_g, h * w).mT                    # (N, g, HW, C_in / g)
    cols = pixels @ weight.reshape(groups, cin_g, block)               # (N, g, HW, block)
    cols = cols.permute(0, 1, 3, 2).reshape(n, groups * block, h * w)
    if oph < sh and opw < sw:
        out = F.fold(cols, (out_h, out_w), (kh, kw), (dh, dw), (ph, pw), (sh, sw))
    else:
        # an output padding of a stride or more (allowed below the dilation) would make
        # fold count more blocks than the input has: fold the whole output, then crop it
        # (and add the rows past its end as zeros)
        full_h, full_w = (h - 1) * sh + dh * (kh - 1) + 1, (w - 1) * sw + dw * (kw - 1) + 1
        out = F.fold(cols, (full_h, full_w), (kh, kw), (dh, dw), 0, (sh, sw))
        out = F.pad(out, (0, max(0, pw + out_w - full_w), 0, max(0, ph + out_h - full_h)))
        out = out[..., ph:ph + out_h, pw:pw + out_w]
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1)
    return out if batched else out.reshape(out.shape[1:])


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The adjoint of conv1d: (N, C_in, L) or (C_in, L), weight (C_in, C_out / groups, k)."""
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ShapeError(f"conv_transpose1d: expected a 2-d or 3-d input and a 3-d weight, got "
                         f"shapes {input.shape} and {weight.shape}")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                           (1, _single(stride, "stride")), (0, _single(padding, "padding")),
                           (0, _single(output_padding, "output_padding")), groups,
                           (1, _single(dilation, "dilation")))
    return out.squeeze(-2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The adjoint of conv3d: (N, C_in, D, H, W) or (C_in, D, H, W), weight
    (C_in, C_out / groups, kd, kh, kw). Each kernel depth's conv_transpose2d of every input
    depth slice is added at the output depths it reaches (IndexAdd), then the padding is
    cropped."""
    from .volumetric import _as_5d, _triple
    x, batched = _as_5d(input, "conv_transpose3d")
    if weight.ndim != 5:
        raise ShapeError(f"conv_transpose3d: weight must be 5-d (in_channels, out_channels / "
                         f"groups, kd, kh, kw), got shape {weight.shape}")
    (sd, sh, sw), (pd, ph, pw) = _triple(stride, "stride"), _triple(padding, "padding")
    (od, oph, opw) = _triple(output_padding, "output_padding")
    (dd, dh, dw) = _triple(dilation, "dilation")
    if od >= max(sd, dd):
        raise ArgumentError(f"conv_transpose3d: output padding {od} must be smaller than "
                            f"either stride {sd} or dilation {dd} (depth)")
    n, c, depth, h, w = x.shape
    kd = weight.shape[2]
    full = (depth - 1) * sd + dd * (kd - 1) + 1 + od
    if full - 2 * pd <= 0:
        raise ShapeError(f"conv_transpose3d: input of shape {x.shape} with weight "
                         f"{weight.shape} and padding {pd} gives an empty output depth")
    planes = x.permute(0, 2, 1, 3, 4).reshape(n * depth, c, h, w)
    out = None
    for k in range(kd):
        try:
            part = conv_transpose2d(planes, weight[:, :, k], None, (sh, sw), (ph, pw),
                                    (oph, opw), groups, (dh, dw))
        except (ShapeError, ArgumentError, DtypeError) as e:
            raise type(e)(f"conv_transpose3d: input of shape {input.shape}, weight of shape "
                          f"{weight.shape}: {e}") from None
        part = part.reshape((n, depth) + tuple(part.shape[1:]))
        at = (slice(None), np.arange(depth) * sd + k * dd)
        part = part._apply1(ops.IndexAdd, at, (n, full) + tuple(part.shape[2:]))
        out = part if out is None else out + part
    out = out[:, pd:full - pd].permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out if batched else out.reshape(out.shape[1:])


class _ConvTranspose(_Conv):
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ArgumentError(f"{type(self).__name__}: only 'zeros' padding mode is "
                                f"supported, got {padding_mode!r} (as PyTorch)")
        self._set_channels(in_channels, out_channels, groups, padding_mode)
        tup = lambda v, name: F._ntuple(v, self._dims, name)      # noqa: E731
        self.kernel_size, self.stride = tup(kernel_size, "kernel_size"), tup(stride, "stride")
        self.padding, self.dilation = tup(padding, "padding"), tup(dilation, "dilation")
        self.output_padding = tup(output_padding, "output_padding")
        self._create_parameters((in_channels, out_channels // groups) + self.kernel_size, bias,
                                dtype, device, bias_size=out_channels)

    def _output_padding(self, input, output_size):
        """PyTorch's: the output_padding that gives `output_size` (the last dims)."""
        if output_size is None:
            return self.output_padding
        wanted = tuple(output_size)[-self._dims:]
        out = []
        for i, want in enumerate(wanted):
            size = input.shape[input.ndim - self._dims + i]
            least = ((size - 1) * self.stride[i] - 2 * self.padding[i]
                     + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            most = least + max(self.stride[i], self.dilation[i]) - 1
            if not least <= want <= most:
                raise ShapeError(f"{type(self).__name__}: requested an output size of "
                                 f"{wanted}, but valid sizes range from {least} to {most} "
                                 f"(for an input of shape {input.shape})")
            out.append(want - least)
        return tuple(out)

    def forward(self, input, output_size=None):
        fn = (conv_transpose1d, conv_transpose2d, conv_transpose3d)[self._dims - 1]
        return fn(input, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    pass


class ConvTranspose3d(_ConvTranspose):
    _dims = 3
