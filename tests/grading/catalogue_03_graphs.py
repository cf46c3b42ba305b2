"""Assignment 03: plausible wrong implementations and correct alternatives.

Mistakes inside Value are written as small edits of the reference's Value
cell (each edit must apply, so the catalogue fails loudly if the reference
changes); the other parts are written out in full.
"""

from tests.grading.harness import Variant, solution_cells

ASSIGNMENT = "03_graphs"

_VALUE = "\n".join(line for line in solution_cells(ASSIGNMENT)["Value"].splitlines() if "### " not in line)


def _value(*edits):
    """The reference Value cell with each (old, new) text replaced exactly once."""
    source = _VALUE
    for old, new in edits:
        if source.count(old) != 1:
            raise ValueError(f"catalogue edit does not apply exactly once: {old!r}")
        source = source.replace(old, new)
    return source


def _method(name):
    """The whole source of one method of the reference Value, from its def to the next def."""
    start = _VALUE.index(f"    def {name}(")
    end = _VALUE.find("\n    def ", start + 1)
    return _VALUE[start:] if end < 0 else _VALUE[start:end + 1]


_BFS_BACKWARD = '''    def backward(self):
        """Breadth-first from the output: parents before children, but not a topological order."""
        order, seen = [self], {id(self)}
        for node in order:
            for child in node._children:
                if id(child) not in seen:
                    seen.add(id(child))
                    order.append(child)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in order:
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
'''

_PUSHED_SEEN_BACKWARD = '''    def backward(self):
        """Post-order with an explicit stack, but a node is marked seen when pushed, not when expanded."""
        order, seen, stack = [], {id(self)}, [(self, False)]
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
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
'''

_REPEATS_BACKWARD = '''    def backward(self):
        """Recursive post-order, but without a set of visited nodes."""
        order = []

        def visit(node):
            for child in node._children:
                visit(child)
            order.append(node)

        visit(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
'''

MISTAKES = [
    Variant("backward: gradients overwritten instead of accumulated", {"Value": _value(
        ("child.grad += local * node.grad", "child.grad = local * node.grad"))},
        expect="instead of accumulated"),
    Variant("backward: breadth-first order, not topological", {"Value": _value(
        (_method("backward"), _BFS_BACKWARD))},
        expect="not in topological order"),
    Variant("backward: iterative DFS that marks nodes when pushed", {"Value": _value(
        (_method("backward"), _PUSHED_SEEN_BACKWARD))},
        expect="not in topological order"),
    Variant("backward: the seed gradient is never set to 1", {"Value": _value(
        ("        self.grad = 1.0\n", ""))},
        expect="the seed gradient is not 1"),
    Variant("backward: grads not reset between calls", {"Value": _value(
        ("        for node in order:\n            node.grad = 0.0\n", ""))},
        expect="does not set the grads of the nodes it reaches to 0"),
    Variant("tanh: derivative 1 - tanh instead of 1 - tanh**2", {"Value": _value(
        ("(1.0 - t * t,)", "(1.0 - t,)"))},
        expect="1 - tanh(x) instead of 1 - tanh(x)**2"),
    Variant("mul: product rule with the factors swapped", {"Value": _value(
        ("(other.data, self.data)", "(self.data, other.data)"))},
        expect="factors swapped"),
    Variant("pow: n * x**n", {"Value": _value(
        ("(n * self.data ** (n - 1),)", "(n * self.data ** n,)"))},
        expect="the power rule is n * x**n"),
    Variant("__radd__ and __rmul__ missing", {"Value": _value(
        (_method("__radd__"), ""), (_method("__rmul__"), ""))},
        expect="__radd__ is missing"),
    Variant("expression_e: computed from .data", {"expression_e": '''
def expression_e(a, b):
    return Value((a.data + b.data) * (b.data + 1))
'''}, expect="no graph connects it to a and b"),
    Variant("path_sum_gradient: a visited set drops later paths", {"path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    total, visited, stack = 0.0, set(), [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is leaf:
            total += product
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        for child, local in zip(node._children, node._local_grads):
            stack.append((child, product * local))
    return total
'''}, expect="a path is missed"),
    Variant("path_sum_gradient: one edge per distinct child", {"path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    if root is leaf:
        return 1.0
    local_of = {}
    for child, local in zip(root._children, root._local_grads):
        local_of.setdefault(id(child), (child, local))
    return sum(local * path_sum_gradient(child, leaf) for child, local in local_of.values())
'''}, expect="has two edges, one per operand"),
    Variant("ffn_forward: tanh missing", {"ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    h = [sum(w * xj for w, xj in zip(row, x)) + bi for row, bi in zip(W, b)]
    y = [sum(v * hj for v, hj in zip(row, h)) + ak for row, ak in zip(V, a)]
    return h, y
'''}, expect="tanh is missing"),
    Variant("ffn_forward: W transposed", {"ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    h = [(sum(W[j][i] * x[j] for j in range(len(x))) + b[i]).tanh() for i in range(len(b))]
    y = [sum(v * hj for v, hj in zip(row, h)) + ak for row, ak in zip(V, a)]
    return h, y
'''}, expect="W is used transposed"),
    Variant("unrolled_rnn_loss: state not carried", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    states = [(u * x + w * h0).tanh() for x in xs]
    return sum((h - y) ** 2 for h, y in zip(states, targets)), states
'''}, expect="the state is not carried"),
    Variant("unrolled_rnn_loss: state cut from the graph", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states, loss = h0, [], 0
    for x, y in zip(xs, targets):
        h = (u * x + w * Value(h.data)).tanh() if states else (u * x + w * h).tanh()
        states.append(h)
        loss = loss + (h - y) ** 2
    return loss, states
'''}, expect="cut from the graph"),
    Variant("unrolled_rnn_loss: a new w at every step", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states, loss = h0, [], 0
    for x, y in zip(xs, targets):
        h = (u * x + Value(w.data) * h).tanh()
        states.append(h)
        loss = loss + (h - y) ** 2
    return loss, states
'''}, expect="w is not shared"),
    Variant("unrolled_rnn_loss: loss only at the last step", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states = h0, []
    for x in xs:
        h = (u * x + w * h).tanh()
        states.append(h)
    return (h - targets[-1]) ** 2, states
'''}, expect="counts only the last step"),
    Variant("torch_expression_grads: gradients swapped", {"torch_expression_grads": '''
def torch_expression_grads(a, b, device):
    a = torch.tensor(a, dtype=torch.float64, device=device, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, device=device, requires_grad=True)
    e = (a + b) * (b + 1)
    e.backward()
    return e.item(), b.grad.item(), a.grad.item()
'''}, expect="swapped"),
    Variant("graph_ops: depth-first", {"graph_ops": '''
def graph_ops(tensor):
    names, seen = [], set()

    def visit(fn):
        if fn is None or fn in seen:
            return
        seen.add(fn)
        names.append(type(fn).__name__)
        for child, _ in fn.next_functions:
            visit(child)

    visit(tensor.grad_fn)
    return names
'''}, expect="depth-first"),
    Variant("pow: local derivative written n * x**n / x (divides by 0 at x = 0)", {"Value": _value(
        ("(n * self.data ** (n - 1),)", "(n * self.data ** n / self.data,)"))},
        expect="divides by a number that is 0"),
    Variant("mul: the local derivatives stored as the Values (other, self), not numbers", {"Value": _value(
        ("(other.data, self.data)", "(other, self)"))},
        expect="a local derivative was stored as a Value"),
    Variant("exp: local derivative x instead of exp(x)", {"Value": _value(
        ("return Value(e, (self,), (e,))", "return Value(e, (self,), (self.data,))"))},
        expect="the exp derivative is exp(x)"),
    Variant("div: d/dy written -x/y", {"Value": _value(
        ("-self.data / other.data ** 2", "-self.data / other.data"))},
        expect="not -x/y"),
    Variant("__rsub__ computes self - other", {"Value": _value(
        ("return Value._lift(other) - self", "return self - Value._lift(other)"))},
        expect="computed self - other"),
    Variant("__mul__ without _lift: a plain number has no .data", {"Value": _value(
        ("        other = Value._lift(other)\n        return Value(self.data * other.data",
         "        return Value(self.data * other.data"))},
        expect="a plain number was used as a Value"),
    Variant("backward: the chain rule is missing (child.grad += local)", {"Value": _value(
        ("child.grad += local * node.grad", "child.grad += local"))},
        expect="the chain rule is missing"),
    Variant("backward: the order walked from the leaves", {"Value": _value(
        ("        for node in reversed(order):\n", "        for node in order:\n"))},
        expect="walked the topological list from the leaves"),
    Variant("backward: recursive post-order without a visited set", {"Value": _value(
        (_method("backward"), _REPEATS_BACKWARD))},
        expect="listed once per path"),
    Variant("expression_e: d made from b.data", {"expression_e": '''
def expression_e(a, b):
    c = a + b
    d = Value(b.data) + 1
    return c * d
'''}, expect="through d is lost"),
    Variant("path_sum_gradient: nodes compared by data", {"path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    if root is leaf or root.data == leaf.data:
        return 1.0
    return sum(local * path_sum_gradient(child, leaf) for child, local in zip(root._children, root._local_grads))
'''}, expect="compared by their data"),
    Variant("path_sum_gradient: returns the int 1 for the empty path", {"path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    if root is leaf:
        return 1
    return sum(local * path_sum_gradient(child, leaf) for child, local in zip(root._children, root._local_grads))
'''}, expect="a whole number returned as an int"),
    Variant("ffn_forward: b added inside the sum over j", {"ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    h = [sum(w * xj + bi for w, xj in zip(row, x)).tanh() for row, bi in zip(W, b)]
    y = [sum(v * hj for v, hj in zip(row, h)) + ak for row, ak in zip(V, a)]
    return h, y
'''}, expect="b is added inside the sum"),
    Variant("ffn_forward: tanh on y as well", {"ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    h = [(sum(w * xj for w, xj in zip(row, x)) + bi).tanh() for row, bi in zip(W, b)]
    y = [(sum(v * hj for v, hj in zip(row, h)) + ak).tanh() for row, ak in zip(V, a)]
    return h, y
'''}, expect="tanh is applied to y as well"),
    Variant("unrolled_rnn_loss: the mean over steps", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states, loss = h0, [], 0
    for x, y in zip(xs, targets):
        h = (u * x + w * h).tanh()
        states.append(h)
        loss = loss + (h - y) ** 2
    return loss / len(xs), states
'''}, expect="the mean over the steps"),
    Variant("unrolled_rnn_loss: u and w swapped", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states, loss = h0, [], 0
    for x, y in zip(xs, targets):
        h = (w * x + u * h).tanh()
        states.append(h)
        loss = loss + (h - y) ** 2
    return loss, states
'''}, expect="u and w are swapped"),
    Variant("unrolled_rnn_loss: consumes xs and targets (pop)", {"unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    h, states, loss = h0, [], 0
    while xs:
        h = (u * xs.pop(0) + w * h).tanh()
        states.append(h)
        loss = loss + (h - targets.pop(0)) ** 2
    return loss, states
'''}, expect="was changed by the call"),
    Variant("torch_expression_grads: float32 tensors", {"torch_expression_grads": '''
def torch_expression_grads(a, b, device):
    a = torch.tensor(a, device=device, requires_grad=True)
    b = torch.tensor(b, device=device, requires_grad=True)
    e = (a + b) * (b + 1)
    e.backward()
    return e.item(), a.grad.item(), b.grad.item()
'''}, expect="float32"),
    Variant("torch_expression_grads: the device is ignored", {"torch_expression_grads": '''
def torch_expression_grads(a, b, device):
    a = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    e = (a + b) * (b + 1)
    e.backward()
    return e.item(), a.grad.item(), b.grad.item()
'''}, expect="made on the default device"),
    Variant("graph_ops: nodes listed once per path", {"graph_ops": '''
def graph_ops(tensor):
    queue = [tensor.grad_fn] if tensor.grad_fn is not None else []
    names = []
    while queue:
        fn = queue.pop(0)
        names.append(type(fn).__name__)
        queue.extend(child for child, _ in fn.next_functions if child is not None)
    return names
'''}, expect="listed twice"),
]

_RECURSIVE_BACKWARD = '''    def backward(self):
        """Recursive topological sort."""
        order, seen = [], set()

        def visit(node):
            if id(node) in seen:
                return
            seen.add(id(node))
            for child in node._children:
                visit(child)
            order.append(node)

        visit(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
'''

_KAHN_BACKWARD = '''    def backward(self):
        """Kahn's algorithm: a node is processed once every parent has passed its gradient on."""
        nodes, stack = {id(self): self}, [self]
        while stack:
            for child in stack.pop()._children:
                if id(child) not in nodes:
                    nodes[id(child)] = child
                    stack.append(child)
        parents = {key: 0 for key in nodes}
        for node in nodes.values():
            for child in node._children:
                parents[id(child)] += 1
            node.grad = 0.0
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
                parents[id(child)] -= 1
                if parents[id(child)] == 0:
                    ready.append(child)
'''

_COMPOSED = [
    (_method("__sub__"), '''    def __sub__(self, other):
        return self + (-1.0) * other
'''),
    (_method("__truediv__"), '''    def __truediv__(self, other):
        return self * Value._lift(other) ** -1
'''),
    (_method("__neg__"), '''    def __neg__(self):
        return self * -1
'''),
    (_method("__rsub__"), '''    def __rsub__(self, other):
        return -self + other
'''),
    (_method("__rtruediv__"), '''    def __rtruediv__(self, other):
        return self ** -1 * other
'''),
    (_method("exp"), '''    def exp(self):
        out = Value(math.e ** self.data)
        out._children, out._local_grads = (self,), (out.data,)
        return out
'''),
]

_LISTS_AND_MATH = [
    ("return Value(self.data + other.data, (self, other), (1.0, 1.0))",
     "return Value(self.data + other.data, [self, other], [1, 1])"),
    ("return Value(self.data * other.data, (self, other), (other.data, self.data))",
     "return Value(self.data * other.data, [self, other], [other.data, self.data])"),
    ("return Value(self.data ** n, (self,), (n * self.data ** (n - 1),))",
     "return Value(math.pow(self.data, n), [self], [0.0 if n == 0 else n * math.pow(self.data, n - 1)])"),
    ("        t = math.tanh(self.data)\n", "        t = math.expm1(2 * self.data) / (math.expm1(2 * self.data) + 2)\n"),
]

_MEMO_BACKWARD = '''    def backward(self):
        """Recursive topological sort with a dict as the visited set, then the sweep."""
        done = {}

        def visit(node):
            if id(node) not in done:
                for child in node._children:
                    visit(child)
                done[id(node)] = node

        visit(self)
        for node in done.values():
            node.grad = 0
        self.grad = 1
        for node in reversed(list(done.values())):
            for i in range(len(node._children)):
                node._children[i].grad = node._children[i].grad + node._local_grads[i] * node.grad
'''

_ITERATIVE_BACKWARD = '''    def backward(self):
        """Topological order by an iterative DFS whose stack holds iterators over the children."""
        order, seen, stack = [], {id(self)}, [(self, iter(self._children))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                order.append(node)
            elif id(child) not in seen:
                seen.add(id(child))
                stack.append((child, iter(child._children)))
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in order[::-1]:
            for child, local in zip(node._children, node._local_grads):
                child.grad += node.grad * local
'''

_COMPOSED_MORE = [
    (_method("__add__"), '''    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data)
        out._children, out._local_grads = (self, other), (1.0, 1.0)
        return out
'''),
    (_method("__sub__"), '''    def __sub__(self, other):
        return self + -Value._lift(other)
'''),
    (_method("__truediv__"), '''    def __truediv__(self, other):
        return self * Value._lift(other) ** -1.0
'''),
    (_method("__pow__"), '''    def __pow__(self, n):
        x = self.data
        local = 0.0 if n == 0 else n * x ** (n - 1)
        return Value(x ** n, (self,), (local,))
'''),
    (_method("__radd__"), '''    def __radd__(self, other):
        return self + other
'''),
    (_method("__rmul__"), '''    def __rmul__(self, other):
        return self * other
'''),
]

ALTERNATIVES = [
    Variant("recursive topological sort, memoised path sum, explicit loops", {
        "Value": _value((_method("backward"), _RECURSIVE_BACKWARD)),
        "expression_e": '''
def expression_e(a, b):
    return (a + b) * (b + Value(1.0))
''',
        "path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    memo = {}

    def from_node(node):
        if node is leaf:
            return 1.0
        if id(node) not in memo:
            memo[id(node)] = sum(local * from_node(child)
                                 for child, local in zip(node._children, node._local_grads))
        return memo[id(node)]

    return float(from_node(root))
''',
        "ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    h = []
    for i in range(len(W)):
        total = Value(0.0)
        for j in range(len(x)):
            total = total + W[i][j] * x[j]
        h.append((total + b[i]).tanh())
    y = []
    for k in range(len(V)):
        total = a[k]
        for i in range(len(h)):
            total = total + V[k][i] * h[i]
        y.append(total)
    return h, y
''',
        "unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    loss, states, h = Value(0.0), [], h0
    for t in range(len(xs)):
        h = (xs[t] * u + h * w).tanh()
        diff = h - targets[t]
        loss = loss + diff * diff
        states.append(h)
    return loss, states
''',
        "torch_expression_grads": '''
def torch_expression_grads(a, b, device):
    a_t, b_t = (torch.tensor(v, device=device, dtype=torch.float64).requires_grad_() for v in (a, b))
    e = (a_t + b_t) * (b_t + 1)
    da, db = torch.autograd.grad(e, (a_t, b_t))
    return float(e.item()), float(da.item()), float(db.item())
''',
        "graph_ops": '''
from collections import deque


def graph_ops(tensor):
    start = tensor.grad_fn
    if start is None:
        return []
    queue, seen, names = deque([start]), {start}, []
    while queue:
        fn = queue.popleft()
        names.append(type(fn).__name__)
        for child, _ in fn.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return names
''',
    }),
    Variant("Kahn's algorithm, operations composed from others, every path enumerated", {
        "Value": _value((_method("backward"), _KAHN_BACKWARD), *_COMPOSED),
        "expression_e": '''
def expression_e(a, b):
    c = a + b
    return c * b + c
''',
        "path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    total, stack = 0.0, [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is leaf:
            total += product
            continue
        for child, local in zip(node._children, node._local_grads):
            stack.append((child, product * local))
    return total
''',
        "ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    import numpy as np
    h = [(z + bias).tanh() for z, bias in zip(np.array(W, dtype=object) @ np.array(x, dtype=object), b)]
    y = list(np.array(V, dtype=object) @ np.array(h, dtype=object) + np.array(a, dtype=object))
    return h, y
''',
        "unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    states = []
    for x in xs:
        states.append((u * x + w * (states[-1] if states else h0)).tanh())
    return sum((h - y) ** 2 for h, y in zip(states, targets)), states
''',
        "graph_ops": '''
def graph_ops(tensor):
    order = [] if tensor.grad_fn is None else [tensor.grad_fn]
    i = 0
    while i < len(order):
        for child, _ in order[i].next_functions:
            if child is not None and all(child is not seen for seen in order):
                order.append(child)
        i += 1
    return [type(fn).__name__ for fn in order]
''',
    }),
    Variant("lists for children, math.pow and math.exp, a memoised recursion, pairs returned as lists", {
        "Value": _value(*_LISTS_AND_MATH, (_method("backward"), _MEMO_BACKWARD)),
        "expression_e": '''
def expression_e(a, b):
    return sum([a, b]) * (1 + b)
''',
        "path_sum_gradient": '''
from functools import lru_cache


def path_sum_gradient(root, leaf):
    @lru_cache(maxsize=None)
    def from_node(key):
        node = by_id[key]
        if node is leaf:
            return 1.0
        return float(sum(g * from_node(id(c)) for c, g in zip(node._children, node._local_grads)))

    by_id, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in by_id:
            by_id[id(node)] = node
            stack.extend(node._children)
    return from_node(id(root))
''',
        "ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    def dot(row, vec):
        total = row[0] * vec[0]
        for r, v in zip(row[1:], vec[1:]):
            total = total + r * v
        return total
    h = tuple((b_i + dot(row, x)).tanh() for row, b_i in zip(W, b))
    y = tuple(a_k + dot(row, h) for row, a_k in zip(V, a))
    return [h, y]
''',
        "unrolled_rnn_loss": '''
def unrolled_rnn_loss(xs, targets, u, w, h0):
    states, loss, h = [], None, h0
    for x, target in zip(xs, targets):
        h = (x * u + w * h).tanh()
        states.append(h)
        term = (h - target) * (h - target)
        loss = term if loss is None else loss + term
    return [loss, tuple(states)]
''',
        "torch_expression_grads": '''
def torch_expression_grads(a, b, device):
    ab = torch.tensor([a, b], dtype=torch.float64).to(device).requires_grad_()
    e = (ab[0] + ab[1]) * (ab[1] + 1)
    (grad,) = torch.autograd.grad(e, ab)
    return [float(e), float(grad[0]), float(grad[1])]
''',
    }),
    Variant("ops built from others, iterative DFS over child iterators, explicit path stack, numpy object arrays", {
        "Value": _value(*_COMPOSED_MORE, (_method("backward"), _ITERATIVE_BACKWARD)),
        "path_sum_gradient": '''
def path_sum_gradient(root, leaf):
    total = 0.0
    stack = [(root, 1.0)]
    while stack:
        node, product = stack.pop()
        if node is leaf:
            total += product
        else:
            stack.extend((c, product * g) for c, g in zip(node._children, node._local_grads))
    return float(total)
''',
        "ffn_forward": '''
def ffn_forward(x, W, b, V, a):
    import numpy as np
    h = np.array([(np.dot(np.array(row, dtype=object), np.array(x, dtype=object)) + bi).tanh()
                  for row, bi in zip(W, b)], dtype=object)
    y = np.array(V, dtype=object).dot(h) + np.array(a, dtype=object)
    return h, y
''',
    }),
]
