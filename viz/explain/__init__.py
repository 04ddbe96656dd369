"""Which inputs a prediction depends on, and what a layer responds to: attribution
methods with Captum's call shape, computed on gradgraph's own graph.

    from viz.explain import IntegratedGradients
    ig = IntegratedGradients(model)
    attr, delta = ig.attribute(x, target=3, n_steps=50, return_convergence_delta=True)

Inputs are a Tensor or a tuple of Tensors whose first axis is the sample; attributions
come back in the same form. No hook or backward override outlives a call (also when
it raises), the model's train/eval flags and its parameters' .grad are left as found.
"""
from ._common import ConvergenceWarning
from .deeplift import DeepLift
from .gradient import (Attribution, GradientShap, InputXGradient, IntegratedGradients,
                       NoiseTunnel, Saliency)
from .perturbation import FeatureAblation, Occlusion, ShapleyValueSampling
from .layer import (LayerActivation, LayerAttribution, LayerConductance, LayerGradCam,
                    LayerIntegratedGradients)
from .capture import ActivationCache, capture
from .maximise import maximize_activation
from .metrics import Curve, auc, deletion_curve, infidelity, insertion_curve, sensitivity_max
from .graph import activation_statistics, conductance_shares, draw_attribution_graph

# The pictures need matplotlib (an optional extra): `from viz.explain import plot, text`.
