"""The engine's documented extension points: graph.record for nodes whose forward runs
outside apply1/apply2 (communication ops), and the Node.indexing flag the gradient-flow
picture reads."""
import numpy as np
import pytest

import autograd as ag
import viz
from autograd import graph
from autograd.errors import GraphError


class Source(graph.Node):
    """An array from elsewhere (as a receive): the gradient reaching it is kept."""
    __slots__ = ("got",)

    def backward(self, g):
        self.got = g
        return ()


class Pick(graph.Node):
    """x[0] recorded by hand, flagged as an indexing op."""
    __slots__ = ("n",)
    indexing = True

    def backward(self, g):
        out = np.zeros(self.n, g.dtype)
        out[0] = g
        return (out,)


def test_record_a_source_node_and_backward_reaches_it():
    node = Source()
    t = graph.record(node, np.array([1.0, 2.0]))
    assert t.requires_grad and t.grad_fn is node and node.parents == ()
    (t * ag.tensor([3.0, 4.0], dtype="float64")).sum().backward()
    np.testing.assert_array_equal(node.got, [3.0, 4.0])


def test_record_with_parents_and_the_indexing_flag():
    x = ag.tensor([5.0, 6.0, 7.0], dtype="float64", requires_grad=True)
    h = x * 2.0
    node = Pick()
    node.n = 3
    y = graph.record(node, h.data[0], (h._node,))
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 0.0])
    data = viz.walk(graph.record(Pick(), h.data[0], (h._node,)))
    mul = next(n for n in data.nodes if n.op == "Mul")
    assert mul.indexed                    # read only by an op flagged indexing
    z = graph.record(Pick(), h.data[0], (h._node,)) + h.sum()
    mul = next(n for n in viz.walk(z).nodes if n.op == "Mul")
    assert not mul.indexed                # also read by a dense op


def test_record_refuses_what_is_not_a_node():
    with pytest.raises(GraphError, match="record: expected a Node, got str"):
        graph.record("Recv", np.zeros(2))
