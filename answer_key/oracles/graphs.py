"""Assignment 03 (computational graphs): a reference scalar engine, references and known mistakes.

The reference engine `Node` follows the assignment's contract for `Value`:
`data`, `grad`, `_children` (the operands) and `_local_grads` (d node / d
operand, one per child, fixed in the forward pass), and `backward()`, which
zeroes the grads of every node reachable from the output, seeds the output
with 1 and propagates in reverse topological order. It is written
independently of the solution notebook (an explicit stack for the
topological sort, every derivative in one table), and the project's tests
check both against torch.

Known mistakes are simulated on the same graph, so a hidden test can name
the likely cause of a wrong gradient: subclasses of Node carry wrong local
derivatives, `propagate` runs backward with a wrong order, seed or update.

Random expressions are *programs* (rnncourse.programs): lists of (op,
operand index, argument) steps that `run_program` can play on Nodes, on a
student's Values and on torch tensors alike.

Each `*_mistakes` function returns {description: output} with one entry per
distinct wrong output: `make release` freezes them from the reference run,
and a failing check names every mistake whose output matches the student's.
"""

import contextlib
import math

import numpy as np

# random expressions as programs: shared with the tests, in the student package (they hold no answer)
from rnncourse.programs import _ON_FLOATS, BINARY, UNARY, program_text, random_program, run_program  # noqa: F401

# ---- the reference engine ---------------------------------------------------


class Node:
    """A scalar node: the reference implementation of the assignment's Value contract."""

    def __init__(self, data, _children=(), _local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self._children = tuple(_children)
        self._local_grads = tuple(_local_grads)

    def __repr__(self):
        return f"Node(data={self.data:.6g}, grad={self.grad:.6g})"

    def _lift(self, other):
        return other if isinstance(other, Node) else type(self)(other)

    def _make(self, data, children, local_grads):
        return type(self)(data, children, local_grads)

    # the local derivatives, one method each, so that a subclass can get one wrong
    def _mul_locals(self, x, y):
        return (y.data, x.data)

    def _pow_locals(self, x, n):
        return (0.0 if n == 0 else n * x.data ** (n - 1),)   # x**0 is a constant, also at x = 0

    def _sub_locals(self, x, y):
        return (1.0, -1.0)

    def _div_locals(self, x, y):
        return (1.0 / y.data, -x.data / y.data ** 2)

    def _neg_locals(self, x):
        return (-1.0,)

    def _exp_locals(self, x, e):
        return (e,)

    def _tanh_locals(self, x, t):
        return (1.0 - t * t,)

    def __add__(self, other):
        other = self._lift(other)
        return self._make(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return self._make(self.data * other.data, (self, other), self._mul_locals(self, other))

    def __sub__(self, other):
        other = self._lift(other)
        return self._make(self.data - other.data, (self, other), self._sub_locals(self, other))

    def __truediv__(self, other):
        other = self._lift(other)
        return self._make(self.data / other.data, (self, other), self._div_locals(self, other))

    def __pow__(self, n):
        if not isinstance(n, (int, float)):
            raise TypeError("only a number exponent is supported")
        return self._make(self.data ** n, (self,), self._pow_locals(self, n))

    def __neg__(self):
        return self._make(-self.data, (self,), self._neg_locals(self))

    def __radd__(self, other):
        return self._lift(other) + self

    def __rmul__(self, other):
        return self._lift(other) * self

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def tanh(self):
        t = math.tanh(self.data)
        return self._make(t, (self,), self._tanh_locals(self, t))

    def exp(self):
        e = math.exp(self.data)
        return self._make(e, (self,), self._exp_locals(self, e))

    def backward(self):
        propagate(self)


class _TanhOneMinusT(Node):
    def _tanh_locals(self, x, t):
        return (1.0 - t,)


class _ProductSwapped(Node):
    def _mul_locals(self, x, y):
        return (x.data, y.data)


class _PowerNoMinusOne(Node):
    def _pow_locals(self, x, n):
        return (n * x.data ** n,)


class _PowerNoFactor(Node):
    def _pow_locals(self, x, n):
        return (x.data ** (n - 1),)


class _SubPlus(Node):
    def _sub_locals(self, x, y):
        return (1.0, 1.0)


class _DivSignLost(Node):
    def _div_locals(self, x, y):
        return (1.0 / y.data, x.data / y.data ** 2)


class _DivSquareLost(Node):
    def _div_locals(self, x, y):
        return (1.0 / y.data, -x.data / y.data)


class _NegPlus(Node):
    def _neg_locals(self, x):
        return (1.0,)


class _ExpOfX(Node):
    def _exp_locals(self, x, e):
        return (x.data,)


class _ExpOne(Node):
    def _exp_locals(self, x, e):
        return (1.0,)


TANH_MISTAKE = "the tanh derivative is 1 - tanh(x) instead of 1 - tanh(x)**2"
PRODUCT_MISTAKE = "the product rule has its factors swapped: d(x*y)/dx is y, not x"
POWER_MISTAKE = "the power rule is n * x**n instead of n * x**(n-1)"

FLAWED_OPS = {
    TANH_MISTAKE: _TanhOneMinusT,
    PRODUCT_MISTAKE: _ProductSwapped,
    POWER_MISTAKE: _PowerNoMinusOne,
    "the power rule lost its factor n: d(x**n)/dx is n * x**(n-1)": _PowerNoFactor,
    "d(x - y)/dy is -1, not +1": _SubPlus,
    "d(x/y)/dy is -x/y**2 (the sign is lost)": _DivSignLost,
    "d(x/y)/dy is -x/y**2, not -x/y": _DivSquareLost,
    "d(-x)/dx is -1, not +1": _NegPlus,
    "the exp derivative is exp(x), the output itself, not x": _ExpOfX,
    "the exp derivative is exp(x), the output itself, not 1": _ExpOne,
}


# ---- orders of the nodes ------------------------------------------------------

def topological(root, reverse_children=False):
    """Every node reachable from root, each after all of its children (post-order DFS, explicit stack)."""
    order, seen = [], {id(root)}
    stack = [(root, iter(_kids(root, reverse_children)))]
    while stack:
        node, kids = stack[-1]
        for child in kids:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, iter(_kids(child, reverse_children))))
                break
        else:
            stack.pop()
            order.append(node)
    return order  # children first; backward walks it from the end


def _kids(node, reverse=False):
    return tuple(reversed(node._children)) if reverse else node._children


def breadth_first(root):
    """Nodes in the order a breadth-first search from root first reaches them (not topological)."""
    order, seen, i = [root], {id(root)}, 0
    while i < len(order):
        for child in order[i]._children:
            if id(child) not in seen:
                seen.add(id(child))
                order.append(child)
        i += 1
    return order[::-1]  # so that propagate, which walks from the end, starts at the root


def preorder(root):
    """Nodes in depth-first pre-order from root (parents before children, but not topological)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(node._children))
    return order[::-1]


def pushed_seen(root):
    """An explicit-stack DFS that marks nodes seen when pushed: the post-order it gives is not always topological."""
    order, seen, stack = [], {id(root)}, [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for child in node._children:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, False))
    return order


def with_repeats(root):
    """Post-order without a set of visited nodes: a node reached by several paths is listed once per path."""
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node._children))
    return order


def leaves_first(root):
    """The topological order walked the wrong way: backward starts at the leaves."""
    return topological(root)[::-1]


def propagate(root, order=None, accumulate=True, seed=1.0, reset=True, add_seed=False, chain=True):
    """Reverse mode on root's graph; the keyword arguments reproduce known mistakes."""
    nodes = topological(root) if order is None else order(root)
    if reset:
        for node in nodes:
            node.grad = 0.0
    root.grad = root.grad + seed if add_seed else seed
    for node in reversed(nodes):
        for child, local in zip(node._children, node._local_grads, strict=True):
            step = local * node.grad if chain else local
            child.grad = child.grad + step if accumulate else step


def _push_recursive(node):
    """A recursion that pushes each node's *current* grad to its children at every visit (double counts)."""
    for child, local in zip(node._children, node._local_grads, strict=True):
        child.grad += local * node.grad
        _push_recursive(child)


def _distinct(mistakes, right):
    """mistakes without the entries equal to right (no dead diagnosis) and without repeated outputs."""
    kept = {}
    for description, output in mistakes.items():
        if not _same(output, right) and not any(_same(output, v) for v in kept.values()):
            kept[description] = output
    return kept


def _same(x, y):
    try:
        return bool(np.allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float), rtol=1e-9, atol=1e-12))
    except (TypeError, ValueError):
        return False


def local_mistakes(program, leaf_values):
    """Description -> the leaf gradients of a one- or two-operation program with a flawed local derivative."""
    _, right = gradients(program, leaf_values)
    mistakes = {description: gradients(program, leaf_values, cls=cls)[1] for description, cls in FLAWED_OPS.items()}
    if any(op == "mul" and i == arg for op, i, arg in program):
        mistakes["x * x has two edges to x, one per operand: its derivative is 2x"] = _grads_with(
            program, leaf_values, lambda root: _one_edge_per_child(root))
    return _distinct(mistakes, right)


def _one_edge_per_child(root):
    propagate(root)
    for node in topological(root):
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(topological(root)):
        firsts = {}
        for child, local in zip(node._children, node._local_grads, strict=True):
            firsts.setdefault(id(child), (child, local))
        for child, local in firsts.values():
            child.grad += local * node.grad


def forward_mistakes(op, x, arg):
    """Description -> the data a wrong forward computation of one operation gives (x, arg plain numbers)."""
    right = _ON_FLOATS[op](x, arg)
    flipped = {"sub": ("sub", "x - y computed as y - x: the operands are swapped"),
               "div": ("div", "x / y computed as y / x: the operands are swapped"),
               "rsub": ("rsub", "c - x computed as x - c: __rsub__(self, other) must compute other - self"),
               "rdiv": ("rdiv", "c / x computed as x / c: __rtruediv__(self, other) must compute other / self")}
    mistakes = {}
    if op in ("sub", "div"):
        mistakes[flipped[op][1]] = arg - x if op == "sub" else (arg / x if x else math.inf)
    elif op == "rsub":
        mistakes[flipped[op][1]] = x - arg
    elif op == "rdiv":
        mistakes[flipped[op][1]] = x / arg
    elif op == "pow":
        mistakes["x ** n computed as n * x"] = arg * x
        with contextlib.suppress(ArithmeticError, TypeError):   # n ** x may be complex or a division by 0
            mistakes["x ** n computed as n ** x"] = float(arg ** x)
    elif op == "tanh":
        mistakes["tanh computed as 1 - tanh(x)**2 (its derivative)"] = 1 - math.tanh(x) ** 2
    return _distinct(mistakes, right)


# ---- path sums ------------------------------------------------------------------

def path_sum(root, leaf):
    """Sum over every path root -> leaf of the product of the local derivatives on its edges (memoised)."""
    memo = {}

    def paths(node):
        if node is leaf:
            return 1.0
        if not hasattr(node, "_children") or len(node._children) != len(node._local_grads):
            raise AssertionError(
                f"a node of the graph is {node!r}: every child must be a node (wrap a plain number as a Value) "
                "and carry exactly one local derivative (len(_children) == len(_local_grads))")
        if id(node) not in memo:
            memo[id(node)] = sum(local * paths(child)
                                 for child, local in zip(node._children, node._local_grads, strict=True))
        return memo[id(node)]

    return float(paths(root))


def count_paths(root, leaf=None):
    """The number of paths from root to leaf (leaf None: to any node without children)."""
    memo = {}

    def count(node):
        if node is leaf or (leaf is None and not node._children):
            return 1
        if id(node) not in memo:
            memo[id(node)] = sum(count(child) for child in node._children)
        return memo[id(node)]

    return count(root)


def _path_sum_visited(root, leaf, reverse):
    """Depth-first path sum that expands each inner node only once: later paths through it are lost."""
    total, seen = 0.0, set()
    stack = [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is leaf:
            total += product
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        pairs = list(zip(node._children, node._local_grads, strict=True))
        for child, local in (pairs if reverse else pairs[::-1]):
            stack.append((child, product * local))
    return total


def _path_sum_first_path(root, leaf):
    def first(node, product):
        if node is leaf:
            return product
        for child, local in zip(node._children, node._local_grads, strict=True):
            found = first(child, product * local)
            if found is not None:
                return found
        return None

    found = first(root, 1.0)
    return 0.0 if found is None else found


def _path_sum_distinct_children(root, leaf):
    """Treats x*x as one edge: repeated operands of one operation are counted once."""
    def paths(node):
        if node is leaf:
            return 1.0
        firsts = {}
        for child, local in zip(node._children, node._local_grads, strict=True):
            firsts.setdefault(id(child), (child, local))
        return sum(local * paths(child) for child, local in firsts.values())

    return paths(root)


# ---- references and mistakes for Value --------------------------------------------------

def gradients(program, leaf_values, cls=Node, **propagate_options):
    """(output value, [d output / d leaf]) on the reference engine."""
    leaves = [cls(v) for v in leaf_values]
    root = run_program(program, leaves)[-1]
    propagate(root, **propagate_options)
    return root.data, [leaf.grad for leaf in leaves]


def _variants(description, candidates, right=None):
    """{description: output} for each distinct output among candidates [(qualifier, output)].

    The first distinct output keeps the plain description; a later one that
    differs from it gets the qualifier in brackets. Outputs equal to right
    (the correct answer on this input) are left out: they cannot be told apart.
    """
    def same(x, y):
        try:
            return np.allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float), rtol=1e-9, atol=1e-12)
        except (TypeError, ValueError):
            return False

    kept = {}
    for qualifier, output in candidates:
        if (right is not None and same(output, right)) or any(same(output, v) for v in kept.values()):
            continue
        kept[f"{description} ({qualifier})" if kept and qualifier else description] = output
    return kept


def _grads_with(program, leaf_values, run):
    leaves = [Node(v) for v in leaf_values]
    root = run_program(program, leaves)[-1]
    run(root)
    return [leaf.grad for leaf in leaves]


def backward_mistakes(program, leaf_values):
    """Description -> the leaf gradients that mistake would give, one entry per distinct output."""
    def build(cls=Node):
        leaves = [cls(v) for v in leaf_values]
        return run_program(program, leaves)[-1], leaves

    mistakes = _sweep_mistakes(build)
    right = gradients(program, leaf_values)[1]
    for description, cls in FLAWED_OPS.items():
        mistakes.update(_variants(description, [("", gradients(program, leaf_values, cls=cls)[1])], right))
    return mistakes


def nodes_from_graph(graph):
    """Reference Nodes with the data, children and local derivatives of a hand-built graph (programs.graph_node)."""
    made = {}
    for node in graph:
        made[id(node)] = Node(node.data, tuple(made[id(c)] for c in node._children), node._local_grads)
    return [made[id(node)] for node in graph]


def graph_backward(graph):
    """The grad of every node of a hand-built graph after backward() on its last node."""
    nodes = nodes_from_graph(graph)
    propagate(nodes[-1])
    return [node.grad for node in nodes]


def graph_backward_mistakes(graph):
    """Description -> the grads of every node of a hand-built graph that a mistake in backward() would give."""
    def build():
        nodes = nodes_from_graph(graph)
        return nodes[-1], nodes

    return _sweep_mistakes(build)


def _sweep_mistakes(build):
    """The mistakes of the reverse sweep itself, on the graph build() makes: (root, nodes whose grads are read)."""
    def grads(**options):
        root, watched = build()
        propagate(root, **options)
        return [node.grad for node in watched]

    def naive():
        root, watched = build()
        for node in topological(root):
            node.grad = 0.0
        root.grad = 1.0
        _push_recursive(root)
        return [node.grad for node in watched]

    def order_by(reverse):
        return lambda root: topological(root, reverse_children=reverse)

    right = grads()
    output = build()[0].data
    small = count_paths(build()[0]) < 20000
    mistakes = {}
    mistakes.update(_variants(
        "gradients are overwritten (=) instead of accumulated (+=): a node used twice keeps only one contribution",
        [(f"children visited {how}", grads(accumulate=False, order=order_by(r)))
         for r, how in ((False, "first to last"), (True, "last to first"))], right))
    mistakes.update(_variants(
        "backward is not in topological order: a node passed its gradient on before all its parents had added theirs",
        [("breadth-first", grads(order=breadth_first)),
         ("depth-first pre-order", grads(order=preorder)),
         ("a node marked as seen when pushed, not when its children are done", grads(order=pushed_seen))]
        + ([("a recursion that passes a node's gradient on at every visit", naive())] if small else []), right))
    mistakes.update(_variants(
        "backward walked the topological list from the leaves to the output: walk it in reverse, from the output",
        [("", grads(order=leaves_first))], right))
    if small:
        mistakes.update(_variants(
            "a node is listed once per path that reaches it (the search keeps no set of visited nodes), "
            "so it passes its gradient on more than once",
            [("", grads(order=with_repeats))], right))
    mistakes.update(_variants(
        "the chain rule is missing: a child must get local * node.grad, not just local",
        [("", grads(chain=False))], right))
    mistakes.update(_variants(
        "the seed gradient is not 1: backward() must start with output.grad = 1.0",
        [("it was left at 0", grads(seed=0.0)), ("it was set to the output's value", grads(seed=output))], right))
    return mistakes


def backward_twice_mistakes(program, leaf_values):
    """Description -> the leaf gradients after calling backward() twice without resetting the grads."""
    def twice(**options):
        def run(root):
            propagate(root)
            propagate(root, reset=False, **options)
        return _grads_with(program, leaf_values, run)

    return _variants("the gradients are not reset at the start of backward(): a second call added onto the first",
                     [("", twice()), ("the output's own grad was added to as well", twice(add_seed=True))],
                     gradients(program, leaf_values)[1])


def path_sum_mistakes(root, leaf):
    """Description -> the path sum each mistake would give on the graph of root (distinct outputs only)."""
    right = path_sum(root, leaf)
    mistakes = {}
    mistakes.update(_variants(
        "a path is missed: a node reached a second time must be expanded again, since every path counts",
        [("children taken first to last", _path_sum_visited(root, leaf, False)),
         ("children taken last to first", _path_sum_visited(root, leaf, True))], right))
    for description, value in [
            ("a path is missed: only the first path found was counted", _path_sum_first_path(root, leaf)),
            ("a path is missed: an operation that uses a node twice (x * x) has two edges, one per operand",
             _path_sum_distinct_children(root, leaf)),
            ("the local derivatives on a path are added instead of multiplied", _path_sum_added(root, leaf)),
            ("the empty path (root is leaf) must be worth 1, the product of no edges; it was counted as 0", 0.0),
            ("nodes were compared by their data (==), not by identity (is): another node with the same number "
             "counted as leaf", _path_sum_by_data(root, leaf)),
            ("the nodes' data were multiplied along a path instead of the local derivatives on its edges",
             _path_sum_of_data(root, leaf))]:
        mistakes.update(_variants(description, [("", value)], right))
    return mistakes


def _path_sum_by_data(root, leaf):
    def paths(node):
        if node is leaf or node.data == leaf.data:
            return 1.0
        return sum(local * paths(child) for child, local in zip(node._children, node._local_grads, strict=True))

    return float(paths(root))


def _path_sum_of_data(root, leaf):
    def paths(node):
        if node is leaf:
            return 1.0
        return sum(child.data * paths(child) for child in node._children)

    return float(paths(root))


def _path_sum_added(root, leaf):
    def paths(node, total):
        if node is leaf:
            return total
        return sum(paths(child, total + local)
                   for child, local in zip(node._children, node._local_grads, strict=True))

    return paths(root, 0.0)


def operand_derivative(out, operand):
    """d out / d operand from the stored local derivatives alone (works for ops built from several nodes)."""
    return path_sum(out, operand)


# ---- swapping the engine ---------------------------------------------------------------------

@contextlib.contextmanager
def reference_engine(namespace, name="Value"):
    """Run code with namespace[name] replaced by the reference Node, then put it back.

    For the project's own tests (grader-side). The notebook's tests never use
    it: they call a student's function on rnncourse.programs.torch_stand_in.
    """
    missing = object()
    saved = namespace.get(name, missing)
    namespace[name] = Node
    try:
        yield Node
    finally:
        if saved is missing:
            del namespace[name]
        else:
            namespace[name] = saved


def nodes_of(array):
    """A numpy array as (nested) lists of reference Nodes."""
    array = np.asarray(array, dtype=float)
    if array.ndim == 0:
        return Node(array.item())
    return [nodes_of(row) for row in array]


def grads_of(nodes):
    """The grads of (nested) lists of nodes, as a numpy array."""
    if isinstance(nodes, (list, tuple, np.ndarray)):
        return np.array([grads_of(n) for n in nodes], dtype=float)
    return nodes.grad


def data_of(nodes):
    """The data of (nested) lists of nodes, as a numpy array."""
    if isinstance(nodes, (list, tuple, np.ndarray)):
        return np.array([data_of(n) for n in nodes], dtype=float)
    return nodes.data


# ---- expression_e -------------------------------------------------------------------------------

def expression_e_mistakes(a, b):
    """Description -> (e, de/da, de/db) for wrong versions of e = (a+b)*(b+1) (outputs that differ from the answer)."""
    right = ((a + b) * (b + 1), b + 1.0, a + 2 * b + 1)
    return _distinct(_expression_e_candidates(a, b), right)


def _expression_e_candidates(a, b):
    e = (a + b) * (b + 1)
    return {
        "d = b + 1 was built from b.data or a new Value(b.data), so the path from e to b through d is lost":
            (e, b + 1.0, b + 1.0),
        "c = a + b was built from b.data or a new Value(b.data), so the path from e to b through c is lost":
            (e, b + 1.0, a + b),
        "b + 1 was written a + 1: e = (a + b) * (b + 1)": ((a + b) * (a + 1), 2 * a + b + 1, a + 1.0),
        "c and d were added, not multiplied: e = c * d": (a + 2 * b + 1, 1.0, 2.0),
        "e was computed from plain numbers (.data), so no graph connects it to a and b: "
        "build it with the Value operators": ((a + b) * (b + 1), 0.0, 0.0),
        "the brackets are lost: a + b * (b + 1) was computed": (a + b * (b + 1), 1.0, 2 * b + 1),
        "the brackets are lost: (a + b) * b + 1 was computed": ((a + b) * b + 1, b, a + 2 * b),
    }


# ---- ffn_forward (torch float64 is the reference) ----------------------------------------------------

def _leaf(array):
    import torch
    return torch.tensor(np.asarray(array, dtype=float), dtype=torch.float64, requires_grad=True)


def ffn_reference(x, W, b, V, a, upstream):
    """h = tanh(Wx + b), y = Vh + a and the gradients of sum(upstream * y), all from torch in float64."""
    params = {"x": _leaf(x), "W": _leaf(W), "b": _leaf(b), "V": _leaf(V), "a": _leaf(a)}
    h = (params["W"] @ params["x"] + params["b"]).tanh()
    y = params["V"] @ h + params["a"]
    (y * _leaf(upstream).detach()).sum().backward()
    out = {"h": h.detach().numpy(), "y": y.detach().numpy()}
    out.update({name: t.grad.numpy() for name, t in params.items()})
    return out


def ffn_mistakes(x, W, b, V, a):
    """Description -> (h, y) that mistake would give."""
    x, W, b, V, a = (np.asarray(t, dtype=float) for t in (x, W, b, V, a))
    mistakes = {
        "tanh is missing: h must be tanh(Wx + b)": (W @ x + b, V @ (W @ x + b) + a),
        "the bias b is added after tanh: h must be tanh(Wx + b), not tanh(Wx) + b":
            (np.tanh(W @ x) + b, V @ (np.tanh(W @ x) + b) + a),
        "the output bias a is missing: y must be Vh + a": (np.tanh(W @ x + b), V @ np.tanh(W @ x + b)),
    }
    h = np.tanh(W @ x + b)
    mistakes["tanh is applied to y as well: y = Vh + a has no tanh"] = (h, np.tanh(V @ h + a))
    mistakes["y was computed from Wx + b, before tanh: y = Vh + a uses h = tanh(Wx + b)"] = (h, V @ (W @ x + b) + a)
    inside = np.tanh(W @ x + len(x) * b)
    mistakes["b is added inside the sum over j, once per input: add b[i] once, after the sum"] = (
        inside, V @ inside + a)
    mistakes["a is added inside the sum over i, once per hidden unit: add a[k] once, after the sum"] = (
        h, V @ h + len(h) * a)
    if W.shape[0] == W.shape[1]:
        h_t = np.tanh(W.T @ x + b)
        mistakes["W is used transposed: h[i] sums W[i][j] * x[j] over j"] = (h_t, V @ h_t + a)
    if V.shape[0] == V.shape[1]:
        mistakes["V is used transposed: y[k] sums V[k][i] * h[i] over i"] = (h, V.T @ h + a)
    return mistakes


def ffn_h_mistakes(x, W, b, V, a):
    """Description -> the h that mistake would give (only those that differ from the right h)."""
    right = np.tanh(np.asarray(W, float) @ np.asarray(x, float) + np.asarray(b, float))
    return _distinct({text: pair[0] for text, pair in ffn_mistakes(x, W, b, V, a).items()}, right)


def ffn_y_mistakes(x, W, b, V, a):
    """Description -> the y that mistake would give (only those that differ from the right y)."""
    x, W, b, V, a = (np.asarray(t, dtype=float) for t in (x, W, b, V, a))
    right = V @ np.tanh(W @ x + b) + a
    return _distinct({text: pair[1] for text, pair in ffn_mistakes(x, W, b, V, a).items()}, right)


def ffn_grad_mistakes(name, x, W, b, V, a, upstream):
    """Description -> dL/d<name> if <name> never entered the graph (all zeros), when that differs from the answer."""
    right = ffn_reference(x, W, b, V, a, upstream)[name]
    return _distinct({f"{name} is not in the graph (a Value made from its .data, or its plain numbers were used), "
                      f"so no gradient reaches it": np.zeros_like(right)}, right)


# ---- unrolled_rnn_loss ------------------------------------------------------------------------------------

def rnn_reference(xs, targets, u, w, h0, carry=True, squash=True, every_step=True, shift=False, cut=False):
    """The scalar RNN h_t = tanh(u x_t + w h_{t-1}), L = sum_t (h_t - target_t)^2 in torch float64.

    Returns loss, states, du, dw, dh0 and per_step (the part of dL/dw that flows
    through step t's use of w, from a separate copy of w per step). The keyword
    arguments build the known mistakes.
    """
    import torch

    def run(w_for_step):
        u_t, h0_t = _leaf(u), _leaf(h0)
        h, states, loss = h0_t, [], torch.zeros((), dtype=torch.float64)
        for t, (x, target) in enumerate(zip(xs, targets, strict=True)):
            prev = h if carry else h0_t
            if cut and t > 0:
                prev = prev.detach()
            pre = u_t * float(x) + w_for_step(t) * prev
            new = pre.tanh() if squash else pre
            compared = prev if shift else new
            if every_step or t == len(xs) - 1:
                loss = loss + (compared - float(target)) ** 2
            h = new
            states.append(new)
        return loss, states, u_t, h0_t

    w_shared = _leaf(w)
    loss, states, u_t, h0_t = run(lambda t: w_shared)
    loss.backward()
    copies = [_leaf(w) for _ in xs]
    loss_copies, _, _, _ = run(lambda t: copies[t])
    loss_copies.backward()
    return {"loss": loss.item(), "states": np.array([s.item() for s in states]),
            "du": _grad(u_t), "dw": _grad(w_shared), "dh0": _grad(h0_t),
            "per_step": np.array([_grad(c) for c in copies])}


def _grad(leaf):
    return 0.0 if leaf.grad is None else leaf.grad.item()


def rnn_mistakes(xs, targets, u, w, h0):
    """(loss mistakes, dL/dw mistakes): description -> the value that mistake would give."""
    def ref(**options):
        return rnn_reference(xs, targets, u, w, h0, **options)

    right = ref()
    swapped = rnn_reference(xs, targets, w, u, h0)
    loss = {
        "the state is not carried: every step must start from h_{t-1}, not from h0": ref(carry=False)["loss"],
        "tanh is missing: h_t = tanh(u*x_t + w*h_{t-1})": ref(squash=False)["loss"],
        "the loss counts only the last step; here L = sum of L_t over every step": ref(every_step=False)["loss"],
        "off by one in time: L_t must compare h_t (not h_{t-1}) with target_t": ref(shift=True)["loss"],
        "the loss is the mean over the steps; here L is their sum": right["loss"] / max(1, len(xs)),
        "u and w are swapped: u multiplies the input x_t, w the previous state": swapped["loss"],
    }
    dw = {
        "the state was cut from the graph (a new Value made from h.data), so the gradient does not flow "
        "back through time": ref(cut=True)["dw"],
        "w is not shared: a new Value(w.data) at each step, so the graph never reaches w": 0.0,
    }
    return _distinct(loss, right["loss"]), _distinct(dw, right["dw"])


def rnn_states_mistakes(xs, targets, u, w, h0):
    """Description -> the states h_1..h_T that mistake would give."""
    def ref(**options):
        return rnn_reference(xs, targets, u, w, h0, **options)["states"]

    return _distinct({
        "the state is not carried: every step must start from h_{t-1}, not from h0": ref(carry=False),
        "tanh is missing: h_t = tanh(u*x_t + w*h_{t-1})": ref(squash=False),
        "u and w are swapped: u multiplies the input x_t, w the previous state":
            rnn_reference(xs, targets, w, u, h0)["states"],
    }, ref())


def rnn_du_mistakes(xs, targets, u, w, h0):
    """Description -> the dL/du that mistake would give."""
    right = rnn_reference(xs, targets, u, w, h0)
    return _distinct({"u is not shared: a new Value(u.data) at each step, so the graph never reaches u": 0.0,
                      "the state was cut from the graph (a new Value made from h.data), so the gradient does not "
                      "flow back through time": rnn_reference(xs, targets, u, w, h0, cut=True)["du"]}, right["du"])


def rnn_dh0_mistakes(xs, targets, u, w, h0):
    """Description -> the dL/dh0 that mistake would give."""
    right = rnn_reference(xs, targets, u, w, h0)
    return _distinct({"h0 is not in the graph (a new Value made from h0.data, or a zero start), so no gradient "
                      "reaches it": 0.0}, right["dh0"])


def rnn_loss_mistakes(xs, targets, u, w, h0):
    """Description -> the loss that mistake would give."""
    return rnn_mistakes(xs, targets, u, w, h0)[0]


def rnn_dw_mistakes(xs, targets, u, w, h0):
    """Description -> the dL/dw that mistake would give."""
    return rnn_mistakes(xs, targets, u, w, h0)[1]


# ---- torch track -------------------------------------------------------------------------------------------

def torch_expression_grads(a, b):
    return (a + b) * (b + 1), b + 1.0, a + 2.0 * b + 1.0


def torch_expression_mistakes(a, b):
    import torch

    e, da, db = torch_expression_grads(a, b)
    a32, b32 = (torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in (a, b))
    e32 = (a32 + b32) * (b32 + 1)
    e32.backward()
    return _distinct({"de/da and de/db are swapped: return (e, de/da, de/db)": (e, db, da),
                      "de/db counts only the path through a + b; b also reaches e through b + 1": (e, da, b + 1.0),
                      "the tensors are float32 (torch.tensor's default for a Python float); the docstring asks for "
                      "float64": (e32.item(), a32.grad.item(), b32.grad.item())}, (e, da, db))


def graph_ops(tensor):
    """Breadth-first from tensor.grad_fn through next_functions; each node once; type names."""
    return [type(fn).__name__ for fn in _bfs(tensor.grad_fn, dedupe=True)]


def _bfs(fn, dedupe):
    if fn is None:
        return []
    order, seen, i = [fn], {fn}, 0
    while i < len(order):
        for child, _ in order[i].next_functions:
            if child is not None and (not dedupe or child not in seen):
                seen.add(child)
                order.append(child)
        i += 1
    return order


def _dfs(fn, reverse):
    order, seen, stack = [], set(), [fn] if fn is not None else []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        children = [c for c, _ in node.next_functions if c is not None]
        stack.extend(children if reverse else children[::-1])
    return order


def graph_ops_mistakes(tensor):
    """Description -> the list of names each mistake would give (one entry per distinct list)."""
    names = [type(fn).__name__ for fn in _bfs(tensor.grad_fn, dedupe=True)]
    mistakes = {}
    for description, candidates in [
            ("the walk is depth-first; the order asked for is breadth-first (a queue: first in, first out)",
             [(f"children taken {how}", [type(fn).__name__ for fn in _dfs(tensor.grad_fn, r)])
              for r, how in ((False, "first to last"), (True, "last to first"))]),
            ("a node reached twice is listed twice: keep a set of the nodes already seen",
             [("", [type(fn).__name__ for fn in _bfs(tensor.grad_fn, dedupe=False)])]),
            ("the leaves (AccumulateGrad) are left out; they are nodes of the graph too",
             [("", [n for n in names if n != "AccumulateGrad"])]),
            ("the output's own grad_fn is missing: the walk starts at tensor.grad_fn", [("", names[1:])])]:
        kept = []
        for qualifier, output in candidates:
            if output != names and output not in kept:
                mistakes[f"{description} ({qualifier})" if kept and qualifier else description] = output
                kept.append(output)
    return mistakes
