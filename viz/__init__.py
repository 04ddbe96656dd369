"""Pictures of the computation graph and of the gradient flowing back through it.

    import viz
    viz.save(viz.draw_graph(loss, model), "graph.svg")
    with viz.record_gradient_flow():
        loss.backward()
    viz.save(viz.draw_gradient_flow(loss, model), "flow.svg")
    print(viz.parameter_table(model))
"""
from .draw import draw_gradient_flow, draw_graph, graph_data
from .flow import format_table, parameter_stats, parameter_table
from .recorder import GradientRecorder
from .render import GraphvizMissingWarning, save
from .stats import GradStats, Thresholds, grad_stats, is_recording, record_gradient_flow
from .walk import GraphData, NodeData, collapse_modules, elide, fold_repeats, walk

