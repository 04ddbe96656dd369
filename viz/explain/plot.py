"""Pictures of attributions with matplotlib: heat maps, overlays, masked images, grids
of methods x samples, deletion curves and attention maps.

Every function builds a ``matplotlib.figure.Figure`` directly (no pyplot, no window,
no global state) and returns ``(fig, ax)`` (``(fig, axes)`` for grids); save it with
``fig.savefig(path)``. Pass ``ax=`` to draw into an existing axes.
"""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, MissingDependencyError, ShapeError

SIGNS = ("all", "positive", "negative", "absolute_value")
METHODS = ("heat_map", "blended_heat_map", "masked_image", "alpha_scaling", "original_image")
CMAPS = {"all": "RdBu_r", "positive": "Greens", "negative": "Reds", "absolute_value": "Blues"}


def _figure():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError("viz.explain pictures need matplotlib: pip install "
                                     "'gradgraph[explain]' (or pip install matplotlib)"
                                     ) from None
    return Figure


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig = _figure()(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _array(a):
    return np.asarray(a.data if isinstance(a, ag.Tensor) else a, dtype=np.float64)


def to_hw(a, layout=None):
    """An image or map as (H, W) or (H, W, C): layouts "HW", "CHW", "HWC"; None guesses
    (a leading axis of 1 or 3 is channels)."""
    a = _array(a)
    if layout is None:
        layout = ("HW" if a.ndim == 2 else "CHW" if a.ndim == 3 and a.shape[0] in (1, 3)
                  and a.shape[2] not in (1, 3) else "HWC" if a.ndim == 3 else None)
        if layout is None:
            raise ShapeError(f"image of shape {a.shape}: give a layout ('HW', 'CHW' or 'HWC')")
    if layout == "HW":
        return a
    if layout == "CHW":
        a = np.moveaxis(a, 0, -1)
    elif layout != "HWC":
        raise ArgumentError(f"layout must be 'HW', 'CHW' or 'HWC', got {layout!r}")
    return a[..., 0] if a.shape[-1] == 1 else a


def normalise(attr, sign="all", outlier_perc=2):
    """An (H, W) map scaled into [-1, 1] ("all") or [0, 1]: the channels summed, the
    sign selected, divided by the (100 - outlier_perc)th percentile of its magnitude
    and clipped (so a few extreme values do not wash out the rest)."""
    if sign not in SIGNS:
        raise ArgumentError(f"sign must be one of {SIGNS}, got {sign!r}")
    a = attr.sum(axis=-1) if attr.ndim == 3 else attr
    if sign == "positive":
        a = np.maximum(a, 0)
    elif sign == "negative":
        a = np.maximum(-a, 0)
    elif sign == "absolute_value":
        a = np.abs(a)
    scale = np.percentile(np.abs(a), 100 - outlier_perc) if a.size else 0.0
    if scale <= 0:
        scale = np.abs(a).max() or 1.0
    return np.clip(a / scale, -1 if sign == "all" else 0, 1), scale


def _grey(image):
    img = image if image.ndim == 2 else image.mean(axis=-1)
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def _rgb(image):
    img = image if image.ndim == 3 else np.repeat(image[..., None], 3, -1)
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def image_attr(attr, image=None, method="heat_map", sign="all", layout=None, outlier_perc=2,
               cmap=None, alpha_overlay=0.5, colorbar=True, title=None, ax=None,
               figsize=(3.2, 3.2)):
    """One attribution map (Captum's ``visualize_image_attr``): "heat_map", a
    "blended_heat_map" over the greyscale image, the "masked_image" (image x |map|),
    "alpha_scaling" (the image with the map as opacity) or the "original_image". Signed
    maps use a diverging colour scale centred on 0; the colour bar shows the values
    before clipping at the percentile."""
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {METHODS}, got {method!r}")
    fig, ax = _axes(ax, figsize)
    img = None if image is None else to_hw(image, layout)
    a = img if method == "original_image" else to_hw(attr, layout)
    if method != "heat_map" and img is None:
        raise ArgumentError(f"image_attr: method {method!r} needs the image")
    norm, scale = normalise(a, sign, outlier_perc) if method != "original_image" else (None, 1)
    cmap = cmap or CMAPS[sign]
    lo = -1 if sign == "all" else 0
    mappable = None
    if method == "original_image":
        ax.imshow(_rgb(img) if img.ndim == 3 else _grey(img), cmap="gray")
    elif method == "heat_map":
        mappable = ax.imshow(norm * scale, cmap=cmap, vmin=lo * scale, vmax=scale)
    elif method == "blended_heat_map":
        ax.imshow(_grey(img), cmap="gray")
        mappable = ax.imshow(norm * scale, cmap=cmap, vmin=lo * scale, vmax=scale,
                             alpha=alpha_overlay)
    elif method == "masked_image":
        ax.imshow(_rgb(img) * np.abs(norm)[..., None])
    else:
        ax.imshow(np.concatenate([_rgb(img), np.abs(norm)[..., None]], axis=-1))
    if colorbar and mappable is not None:
        fig.colorbar(mappable, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return fig, ax


def image_grid(images, attributions, method="blended_heat_map", sign="all", layout=None,
               outlier_perc=2, titles=None, cell=1.7, alpha_overlay=0.7):
    """A grid: the images in the first row, then one row per method (`attributions`:
    {method name: (N, ...) maps}) with one signed colour bar per row. Returns
    (fig, axes) with axes of shape (1 + methods, N)."""
    imgs = _array(images)
    names = list(attributions)
    n = imgs.shape[0]
    fig = _figure()(figsize=(cell * n + 1.0, cell * (len(names) + 1)), layout="constrained")
    axes = np.array(fig.subplots(len(names) + 1, n, squeeze=False))
    for j in range(n):
        image_attr(None, imgs[j], "original_image", layout=layout, ax=axes[0, j],
                   title=None if titles is None else titles[j])
    axes[0, 0].set_ylabel("input", fontsize=9)
    for i, name in enumerate(names, start=1):
        maps = _array(attributions[name])
        if maps.shape[0] != n:
            raise ShapeError(f"image_grid: {name!r} has {maps.shape[0]} maps for {n} images")
        for j in range(n):
            image_attr(maps[j], imgs[j], method, sign, layout, outlier_perc,
                       alpha_overlay=alpha_overlay, colorbar=False, ax=axes[i, j])
        axes[i, 0].set_ylabel(name, fontsize=9)
        norm = axes[i, -1].images[-1] if axes[i, -1].images else None
        if norm is not None and method != "masked_image":
            bar = fig.colorbar(norm, ax=list(axes[i]), fraction=0.02, pad=0.01)
            bar.set_ticks([norm.norm.vmin, 0, norm.norm.vmax] if sign == "all" else
                          [norm.norm.vmin, norm.norm.vmax])
            bar.set_ticklabels(["-", "0", "+"] if sign == "all" else ["0", "+"])
    return fig, axes


def curves(curves_by_name, title="deletion", ylabel="explained output", ax=None,
           figsize=(4.2, 3.2)):
    """Deletion or insertion curves ({name: metrics.Curve}), each the mean over samples,
    with its mean area in the legend."""
    fig, ax = _axes(ax, figsize)
    for name, c in curves_by_name.items():
        ax.plot(c.fractions, np.mean(c.scores, axis=0),
                label=f"{name} (AUC {np.mean(c.auc):.3f})",
                linestyle="--" if name == "random" else "-")
    ax.set_xlabel("fraction of pixels " + ("removed" if title == "deletion" else "inserted"))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return fig, ax


def attention_maps(weights, tokens=None, layer_names=None, cell=1.6, cmap="viridis"):
    """Attention weights as heat maps, one row per layer and one column per head:
    `weights` is (layers, heads, T, S), or a list of (heads, T, S) arrays. Rows are
    queries, columns keys. Returns (fig, axes) of shape (layers, heads)."""
    layers = [_array(w) for w in weights] if isinstance(weights, (list, tuple)) \
        else list(_array(weights))
    if not layers or layers[0].ndim != 3:
        raise ShapeError("attention_maps: give (layers, heads, T, S) weights")
    heads = layers[0].shape[0]
    fig = _figure()(figsize=(cell * heads + 0.8, cell * len(layers) + 0.4),
                    layout="constrained")
    axes = np.array(fig.subplots(len(layers), heads, squeeze=False))
    for i, w in enumerate(layers):
        for h in range(heads):
            ax = axes[i, h]
            ax.imshow(w[h], cmap=cmap, vmin=0, vmax=max(float(w[h].max()), 1e-12))
            if tokens is not None and len(tokens) <= 24:
                labels = [str(t).replace(" ", "␣").replace("\n", "⏎") for t in tokens]
                ax.set_xticks(range(len(tokens)), labels, fontsize=5, rotation=90)
                ax.set_yticks(range(len(tokens)), labels, fontsize=5)
            else:
                ax.set_xticks([])
                ax.set_yticks([])
            if i == 0:
                ax.set_title(f"head {h}", fontsize=8)
        name = layer_names[i] if layer_names else f"layer {i}"
        axes[i, 0].set_ylabel(name, fontsize=8)
    return fig, axes
