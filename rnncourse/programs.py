"""Inputs for assignment 03's tests: random expressions, hand-built graphs and a torch stand-in for Value.

Nothing here differentiates anything by itself: there is no table of local
derivatives and no backward pass (those are the assignment's `Value`).

- A *program* is a list of (op, operand index, argument) steps;
  `run_program` plays it on anything with the operators of `Value` (your
  Values, torch tensors), and `random_program` draws one.
- `graph_node` and `random_graph` build graphs by hand: nodes with `data`,
  `_children` and `_local_grads` set to given numbers, for testing a
  function that reads a graph (`path_sum_gradient`) apart from `Value`.
- `torch_stand_in(Value)` is a subclass of your `Value` whose operators
  compute with torch tensors, so that a test can call a function that builds
  a graph out of Values (`expression_e`, `ffn_forward`, ...) and read its
  gradients from torch's autograd instead of from your `backward()`.
"""

import math

import numpy as np

from rnncourse.checks import plain

BINARY = ("add", "sub", "mul", "div")
UNARY = ("tanh", "exp", "pow", "neg", "radd", "rsub", "rmul", "rdiv", "addc", "mulc")

_APPLY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "tanh": lambda x, _: x.tanh(),
    "exp": lambda x, _: x.exp(),
    "pow": lambda x, n: x ** n,
    "neg": lambda x, _: -x,
    "radd": lambda x, c: c + x,
    "rsub": lambda x, c: c - x,
    "rmul": lambda x, c: c * x,
    "rdiv": lambda x, c: c / x,
    "addc": lambda x, c: x + c,
    "mulc": lambda x, c: x * c,
}

# the same operations on plain floats, to draw programs whose values stay bounded
_ON_FLOATS = {**_APPLY, "tanh": lambda x, _: math.tanh(x), "exp": lambda x, _: math.exp(x)}


def run_program(program, leaves):
    """Play a program on leaves (Values, tensors, ...); return every node, the output last."""
    nodes = list(leaves)
    for op, i, arg in program:
        operand = nodes[arg] if op in BINARY else arg
        nodes.append(_APPLY[op](nodes[i], operand))
    return nodes


def _safe(op, x, arg):
    """Whether op may be applied to the float x: away from poles, no overflow, no complex powers."""
    if op == "div" and abs(arg) < 0.4 or op == "rdiv" and abs(x) < 0.4:
        return False
    if op == "exp" and x > 2.5:
        return False
    return not (op == "pow" and (abs(x) < 0.4 and arg < 0 or abs(x) > 3.0))


def random_program(rng, n_leaves=3, n_ops=8, chain=False, ops=BINARY + UNARY):
    """A random expression over n_leaves leaves; returns (program, leaf values).

    Operands are drawn from every earlier node, so subexpressions are shared
    (a node feeds several others); chain=True makes each step use the node
    before it, for deep graphs. Values stay bounded and away from poles.
    """
    leaf_values = [float(v) for v in rng.uniform(-2.0, 2.0, size=n_leaves)]
    values = list(leaf_values)
    program = []
    while len(program) < n_ops:
        op = str(rng.choice(ops))
        last = len(values) - 1
        i = last if chain else int(rng.integers(0, len(values)))
        if op in BINARY:
            arg = int(rng.integers(0, len(values)))
        elif op == "pow":
            arg = int(rng.choice([2, 3, -1]))
        elif op in UNARY[4:]:
            arg = float(np.round(rng.uniform(-2.0, 2.0), 2)) or 0.5
        else:
            arg = None
        operand = values[arg] if op in BINARY else arg
        if not _safe(op, values[i], operand):
            continue
        result = float(_ON_FLOATS[op](values[i], operand))
        if abs(result) < 30.0:
            values.append(result)
            program.append((op, i, arg))
    return program, leaf_values


def program_text(program, n_leaves):
    """A readable form of a program, for failure messages."""
    names = [f"x{k}" for k in range(n_leaves)]
    text = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "div": "{} / {}", "tanh": "{}.tanh()",
            "exp": "{}.exp()", "pow": "{} ** {}", "neg": "-{}", "radd": "{1} + {0}", "rsub": "{1} - {0}",
            "rmul": "{1} * {0}", "rdiv": "{1} / {0}", "addc": "{} + {}", "mulc": "{} * {}"}
    lines = []
    for k, (op, i, arg) in enumerate(program):
        other = names[arg] if op in BINARY else arg
        lines.append(f"n{k} = " + text[op].format(names[i], other))
        names.append(f"n{k}")
    return "; ".join(lines)


# ---- graphs built by hand ----------------------------------------------------------------------------


class GraphNode:
    """A node of a hand-built graph: data, grad, _children and _local_grads, exactly as given."""

    def __init__(self, data, children=(), local_grads=(), name=None):
        self.data = float(data)
        self.grad = 0.0
        self._children = tuple(children)
        self._local_grads = tuple(float(g) for g in local_grads)
        self.name = name

    def __repr__(self):
        return f"GraphNode({self.name or ''} data={self.data:.6g})"


def graph_node(data, children=(), local_grads=(), name=None):
    """A hand-built node; the numbers on its edges are whatever the test chose."""
    return GraphNode(data, children, local_grads, name)


def random_graph(rng, n_leaves=3, n_inner=6):
    """A random graph: n_leaves leaves, then n_inner nodes of one or two edges each.

    Each inner node has an edge to the one before it (so the root, the last
    node, reaches every node), and the first ones also to one leaf each; any
    other edge goes to any earlier node, so nodes are shared and a node can
    appear twice among one node's children, like x in x * x. Each edge
    carries a random number as its local derivative. Returns every node, the
    root last.
    """
    nodes = [GraphNode(round(float(v), 2), name=f"x{k}") for k, v in enumerate(rng.uniform(-2, 2, size=n_leaves))]
    for k in range(n_inner):
        first = nodes[-1] if k else nodes[int(rng.integers(0, n_leaves))]
        if k < n_leaves:
            children = [first, nodes[k]]
        elif rng.random() < 0.7:
            children = [first, nodes[int(rng.integers(0, len(nodes)))]]
        else:
            children = [first]
        locals_ = [round(float(g), 2) or 0.5 for g in rng.uniform(-1.5, 1.5, size=len(children))]
        nodes.append(GraphNode(round(float(rng.uniform(-2, 2)), 2), children, locals_, name=f"n{k}"))
    return nodes


def graph_text(nodes):
    """A readable form of a hand-built graph: each inner node with its children and local derivatives."""
    parts = []
    for node in nodes:
        if node._children:
            edges = ", ".join(f"{c.name}: {g:g}" for c, g in zip(node._children, node._local_grads, strict=True))
            parts.append(f"{node.name} <- ({edges})")
    return "; ".join(parts)


# ---- a stand-in for Value that computes with torch --------------------------------------------------------


def torch_stand_in(value_class):
    """A subclass of value_class whose operators compute with torch float64 tensors (autograd on).

    Its instances have `data` (a float) and `tensor` (the torch tensor behind
    it). An operand that is not a stand-in (a number, or a plain Value made
    with Value(...)) enters as a constant: no gradient flows into it, as none
    would flow out of a new Value. Being a subclass, a stand-in passes
    isinstance(x, Value), and Python asks its reflected operators first, so
    Value(0.0) + stand_in is a stand-in too. `gradients` reads
    d output / d input from torch.
    """
    import torch

    def constant(x):
        data = x.data if isinstance(x, value_class) else x
        return torch.tensor(float(plain(data)), dtype=torch.float64)   # read as a plain number

    class StandIn(value_class):
        def __init__(self, data, _children=(), _local_grads=(), tensor=None):   # noqa: D107
            if tensor is None:
                tensor = torch.tensor(float(data), dtype=torch.float64, requires_grad=True)
            self.tensor = tensor
            self.data = float(tensor.item())
            self.grad = 0.0
            self._children = ()
            self._local_grads = ()

        def __repr__(self):
            return f"Value(data={self.data:.6g})"

        @staticmethod
        def _of(x):
            return x.tensor if issubclass(type(x), StandIn) else constant(x)

        def _new(self, tensor):
            return StandIn(None, tensor=tensor)

        def __add__(self, other):
            return self._new(self.tensor + self._of(other))

        def __radd__(self, other):
            return self._new(self._of(other) + self.tensor)

        def __sub__(self, other):
            return self._new(self.tensor - self._of(other))

        def __rsub__(self, other):
            return self._new(self._of(other) - self.tensor)

        def __mul__(self, other):
            return self._new(self.tensor * self._of(other))

        def __rmul__(self, other):
            return self._new(self._of(other) * self.tensor)

        def __truediv__(self, other):
            return self._new(self.tensor / self._of(other))

        def __rtruediv__(self, other):
            return self._new(self._of(other) / self.tensor)

        def __pow__(self, n):
            if isinstance(n, value_class):
                raise TypeError("only a number exponent is supported")
            return self._new(self.tensor ** plain(n))

        def __neg__(self):
            return self._new(-self.tensor)

        def tanh(self):
            return self._new(torch.tanh(self.tensor))

        def exp(self):
            return self._new(torch.exp(self.tensor))

    StandIn.__name__ = StandIn.__qualname__ = f"StandIn({value_class.__name__})"
    return StandIn


def gradients(outputs, inputs, weights=None):
    """[d L / d x for x in inputs] as floats, from torch; L is outputs (one node) or sum_k weights[k] * outputs[k].

    Stand-ins carry a torch tensor; anything else (a number, a plain Value)
    counts as a constant. 0.0 where L does not depend on x.
    """
    import torch

    if weights is None:
        outputs, weights = [outputs], [1.0]
    # only a stand-in's own tensor (an exact torch.Tensor) is read; anything else counts as a constant
    tensors = [getattr(out, "tensor", None) for out in outputs]
    terms = [float(g) * t for g, t in zip(weights, tensors, strict=True) if type(t) is torch.Tensor and t.requires_grad]
    tensors = [getattr(x, "tensor", None) for x in inputs]
    wanted = [(k, t) for k, t in enumerate(tensors) if type(t) is torch.Tensor and t.requires_grad]
    grads = [0.0] * len(inputs)
    if not terms or not wanted:
        return grads
    found = torch.autograd.grad(sum(terms), [t for _, t in wanted], allow_unused=True, retain_graph=True)
    for (k, _), g in zip(wanted, found, strict=True):
        grads[k] = 0.0 if g is None else float(g.item())
    return grads


def edge_derivative(out, operand, text):
    """d out / d operand for a node made by one operation of Value, read from the graph it stores.

    When out was made in one step from leaves, this is the sum of out's own
    local derivatives on its edges to operand (two edges for x * x). An
    operation built out of others (x - y as x + (-y)) has a deeper graph:
    then it is read with out.backward(), the graph's own reverse mode.
    """
    children, local_grads = tuple(out._children), tuple(out._local_grads)
    if len(children) != len(local_grads):
        raise AssertionError(f"({text}) has {len(children)} children but {len(local_grads)} local derivatives: "
                             "store exactly one local derivative per child")
    for child in children:
        if not hasattr(child, "_children"):
            raise AssertionError(f"a child of ({text}) is {child!r}: every child must be a node "
                                 "(wrap a plain number as a Value, as _lift does)")
    if all(not plain(child._children) for child in children):       # the numbers are read as plain ones
        return float(sum(plain(local) for child, local in zip(children, local_grads, strict=True) if child is operand))
    out.backward()
    return float(plain(operand.grad))
