"""Assignment 03: the reference solution's engine agrees with torch (float64) on many
random expressions, and with the grader's oracle; the oracle's known mistakes
really differ from the answers they are meant to diagnose; the test helpers of
rnncourse.programs (hand-built graphs, the torch stand-in for Value) give the
reference's answers.

hypothesis is not a dependency of the course, so the property-based tests
draw their expressions from a seeded generator (oracle.random_program): the
same few hundred expressions every run, with shared subexpressions (operands
are drawn from every earlier node) and deep chains.
"""

import math
import sys

import numpy as np
import pytest
import torch

from answer_key.oracles import graphs as oracle
from rnncourse import programs
from tests.notebooks import REPO, namespace

TOL = {"rtol": 1e-9, "atol": 1e-12}


@pytest.fixture(scope="module")
def sol():
    return namespace(REPO / "solutions" / "03_graphs" / "03_graphs.ipynb")


def torch_reference(program, leaf_values):
    """(output, [d output / d leaf]) from torch autograd in float64."""
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in leaf_values]
    out = oracle.run_program(program, leaves)[-1]
    out.backward()
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def random_cases(seed, count, **options):
    rng = np.random.default_rng(seed)
    for k in range(count):
        n_leaves = int(rng.integers(1, 6))
        n_ops = int(rng.integers(1, 25))
        yield oracle.random_program(rng, n_leaves=n_leaves, n_ops=n_ops, chain=(k % 4 == 0), **options)


def engine_gradients(cls, program, leaf_values):
    leaves = [cls(v) for v in leaf_values]
    out = oracle.run_program(program, leaves)[-1]
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# ---- the generator itself -------------------------------------------------------------------------------

def test_random_programs_are_seeded_bounded_and_share_subexpressions():
    a = list(random_cases(0, 50))
    assert a == list(random_cases(0, 50)), "the same seed must give the same expressions"
    shared = 0
    for program, values in a:
        nodes = oracle.run_program(program, [oracle.Node(v) for v in values])
        assert all(abs(n.data) < 30 and math.isfinite(n.data) for n in nodes)
        uses = [i for op, i, _ in program] + [arg for op, _, arg in program if op in oracle.BINARY]
        shared += len(uses) != len(set(uses))
    assert shared > 10, "most expressions should reuse some node"
    ops = {op for program, _ in a for op, _, _ in program}
    missing = set(oracle.BINARY + oracle.UNARY) - ops
    assert not missing, f"every operation should appear; missing {missing}"


# ---- Value against torch ------------------------------------------------------------------------------------

def test_value_matches_torch_on_random_expressions(sol):
    for program, values in random_cases(1, 400):
        data, grads = engine_gradients(sol["Value"], program, values)
        t_data, t_grads = torch_reference(program, values)
        where = oracle.program_text(program, len(values))
        assert math.isclose(data, t_data, rel_tol=1e-12, abs_tol=1e-12), where
        np.testing.assert_allclose(grads, t_grads, **TOL, err_msg=where)


def test_value_handles_deep_chains_without_recursion(sol):
    rng = np.random.default_rng(2)
    for depth in (300, sys.getrecursionlimit() + 500):
        program, values = oracle.random_program(rng, n_leaves=2, n_ops=depth, chain=True)
        data, grads = engine_gradients(sol["Value"], program, values)
        t_data, t_grads = torch_reference(program, values)
        assert math.isclose(data, t_data, rel_tol=1e-9, abs_tol=1e-12)
        np.testing.assert_allclose(grads, t_grads, rtol=1e-7, atol=1e-12)


def test_every_node_used_twice(sol):
    Value = sol["Value"]
    x = Value(0.8)
    y = x + x          # 2x
    z = y * y          # 4x^2
    w = z * z - y      # 16x^4 - 2x
    w.backward()
    assert x.grad == pytest.approx(64 * 0.8 ** 3 - 2, rel=1e-12)
    assert sol["path_sum_gradient"](w, x) == pytest.approx(x.grad, rel=1e-12)


def test_backward_is_idempotent_and_resets_grads(sol):
    for program, values in random_cases(3, 60):
        leaves = [sol["Value"](v) for v in values]
        out = oracle.run_program(program, leaves)[-1]
        out.backward()
        first = [leaf.grad for leaf in leaves]
        out.backward()
        assert [leaf.grad for leaf in leaves] == first
        assert out.grad == 1.0


def test_oracle_engine_matches_torch(sol):
    for program, values in random_cases(4, 300):
        data, grads = engine_gradients(oracle.Node, program, values)
        t_data, t_grads = torch_reference(program, values)
        assert math.isclose(data, t_data, rel_tol=1e-12, abs_tol=1e-12)
        np.testing.assert_allclose(grads, t_grads, **TOL)


# ---- path sums ---------------------------------------------------------------------------------------------

def test_path_sum_equals_backward_for_every_node(sol):
    """On small random graphs, the path sum to every node (leaf or inner) equals backward()."""
    checked = 0
    for program, values in random_cases(5, 120):
        if len(program) > 12:
            continue
        checked += 1
        nodes = oracle.run_program(program, [sol["Value"](v) for v in values])
        root = nodes[-1]
        root.backward()
        for node in nodes:
            got = sol["path_sum_gradient"](root, node)
            assert got == pytest.approx(node.grad, rel=1e-9, abs=1e-12)
            assert oracle.path_sum(root, node) == pytest.approx(node.grad, rel=1e-9, abs=1e-12)
    assert checked >= 40, f"only {checked} of the 120 graphs were small enough to check"


def test_the_lecture_example_and_its_path_count(sol):
    Value = sol["Value"]
    a, b = Value(2.0), Value(1.0)
    e = sol["expression_e"](a, b)
    assert e.data == 6.0
    assert sol["path_sum_gradient"](e, b) == 5.0 and sol["path_sum_gradient"](e, a) == 2.0
    e.backward()
    assert (a.grad, b.grad) == (2.0, 5.0)
    assert oracle.count_paths(e, b) == 2 and oracle.count_paths(e, a) == 1
    assert sol["torch_expression_grads"](2.0, 1.0, torch.device("cpu")) == (6.0, 2.0, 5.0)


@pytest.mark.parametrize("program,values,cannot_show", [
    ([("mul", 0, 1), ("tanh", 2, None), ("mul", 2, 3), ("add", 4, 2)], [0.5, -1.2], "x * x"),
    ([("mul", 0, 0), ("tanh", 1, None), ("mul", 1, 2)], [0.7], None),
])
def test_path_sum_mistakes_differ_from_the_answer_on_the_test_graphs(program, values, cannot_show):
    leaves = [oracle.Node(v) for v in values]
    root = oracle.run_program(program, leaves)[-1]
    checked = 0
    for leaf in leaves:
        right = oracle.path_sum(root, leaf)
        for text, wrong in oracle.path_sum_mistakes(root, leaf).items():
            if cannot_show is None or cannot_show not in text:
                assert not math.isclose(wrong, right, rel_tol=1e-6), text
                checked += 1
    assert checked, "no catalogued path-sum mistake was compared"


# ---- the known mistakes are real mistakes ----------------------------------------------------------------------

SHARED = [("mul", 0, 1), ("tanh", 2, None), ("mul", 2, 3), ("add", 4, 2)]
E_PROGRAM = [("add", 0, 1), ("addc", 1, 1.0), ("mul", 2, 3)]


@pytest.mark.parametrize("program,values,cannot_show", [
    (SHARED, [0.5, -1.2], ("power",)),
    (E_PROGRAM, [2.0, 1.0], ("power", "tanh", "topological")),   # only leaves are shared in e
    ([("pow", 0, 3), ("tanh", 1, None), ("mul", 2, 1)], [0.9], ("product", "overwritten", "topological")),
])
def test_backward_mistakes_differ_from_the_answer(program, values, cannot_show):
    _, right = oracle.gradients(program, values)
    mistakes = oracle.backward_mistakes(program, values)
    for word in ("overwritten", "topological", "seed", "tanh", "product", "power"):
        if word not in cannot_show:
            assert any(word in text for text in mistakes), f"no mistake about {word!r} on this input"
    for text, wrong in mistakes.items():
        assert not np.allclose(wrong, right), text
    twice = oracle.backward_twice_mistakes(program, values)
    assert twice and not any(np.allclose(wrong, right) for wrong in twice.values())


def test_every_variant_of_a_mistake_is_listed_once():
    """The frozen mistakes list each distinct output of a described mistake (no pick by the student's value)."""
    _, right = oracle.gradients(E_PROGRAM, [2.0, 1.0])
    overwritten = [v for k, v in oracle.backward_mistakes(E_PROGRAM, [2.0, 1.0]).items() if "overwritten" in k]
    assert sorted(overwritten) == [[2.0, 2.0], [2.0, 3.0]] and right == [2.0, 5.0]
    variants = oracle._variants("m", [("a", 1.0), ("b", 1.0), ("c", 2.0), ("d", 3.0)], right=3.0)
    assert variants == {"m": 1.0, "m (c)": 2.0}


def test_pushed_seen_order_is_really_not_topological():
    a = oracle.Node(1.0)
    b = a * 2
    root = a + b          # root's children (a, b); b depends on a
    order = oracle.pushed_seen(root)
    assert order.index(b) < order.index(a), "the flawed order should put b before a"
    assert oracle.topological(root).index(a) < oracle.topological(root).index(b)


# ---- feed-forward and RNN graphs against torch ---------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["solution Value", "oracle Node"])
def test_ffn_forward_gradients_match_torch(sol, engine):
    rng = np.random.default_rng(6)
    for D, H, K in [(1, 1, 1), (3, 3, 2), (5, 7, 4), (2, 6, 3)]:
        arrays = {"x": rng.normal(size=D), "W": rng.normal(size=(H, D)), "b": rng.normal(size=H),
                  "V": rng.normal(size=(K, H)), "a": rng.normal(size=K)}
        g = rng.normal(size=K)
        ref = oracle.ffn_reference(*arrays.values(), g)
        if engine == "oracle Node":
            nodes = {k: oracle.nodes_of(v) for k, v in arrays.items()}
            with oracle.reference_engine(sol):
                h, y = sol["ffn_forward"](*nodes.values())
        else:
            nodes = {k: sol["as_values"](v) for k, v in arrays.items()}
            h, y = sol["ffn_forward"](*nodes.values())
        np.testing.assert_allclose(oracle.data_of(h), ref["h"], **TOL)
        np.testing.assert_allclose(oracle.data_of(y), ref["y"], **TOL)
        sum(float(gk) * yk for gk, yk in zip(g, y, strict=True)).backward()
        for name, value in nodes.items():
            np.testing.assert_allclose(oracle.grads_of(value), ref[name], **TOL, err_msg=name)


def test_unrolled_rnn_matches_torch_and_dw_is_the_sum_over_steps(sol):
    Value = sol["Value"]
    rng = np.random.default_rng(7)
    for T in (1, 2, 5, 30):
        xs, targets = rng.normal(size=T).tolist(), rng.uniform(-0.8, 0.8, size=T).tolist()
        u, w, h0 = (float(v) for v in rng.uniform(-1.2, 1.2, size=3))
        ref = oracle.rnn_reference(xs, targets, u, w, h0)
        U, W, H0 = Value(u), Value(w), Value(h0)
        loss, states = sol["unrolled_rnn_loss"](xs, targets, U, W, H0)
        loss.backward()
        assert loss.data == pytest.approx(ref["loss"], rel=1e-12)
        np.testing.assert_allclose([s.data for s in states], ref["states"], **TOL)
        np.testing.assert_allclose([U.grad, W.grad, H0.grad], [ref["du"], ref["dw"], ref["dh0"]], **TOL)
        previous = [H0] + states[:-1]
        shares = [h.grad * (1 - h.data ** 2) * p.data for h, p in zip(states, previous, strict=True)]
        np.testing.assert_allclose(shares, ref["per_step"], **TOL)
        assert sum(ref["per_step"]) == pytest.approx(ref["dw"], rel=1e-12)
        loss_mistakes, dw_mistakes = oracle.rnn_mistakes(xs, targets, u, w, h0)
        if T > 1:
            assert loss_mistakes and dw_mistakes, "no catalogued RNN mistakes to check"
            assert not any(math.isclose(v, ref["loss"], rel_tol=1e-9) for v in loss_mistakes.values())
            assert not any(math.isclose(v, ref["dw"], rel_tol=1e-9) for v in dw_mistakes.values())


# ---- torch track --------------------------------------------------------------------------------------------------

def test_graph_ops_matches_oracle_on_random_expressions(sol):
    for program, values in random_cases(8, 80):
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
        out = oracle.run_program(program, leaves)[-1]
        names = sol["graph_ops"](out)
        assert names == oracle.graph_ops(out)
        assert names[0] == type(out.grad_fn).__name__ and names.count("AccumulateGrad") <= len(values)


def test_graph_ops_of_the_lecture_example_and_of_a_leaf(sol):
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    e = (a + b) * (b + 1)
    assert sol["graph_ops"](e) == ["MulBackward0", "AddBackward0", "AddBackward0", "AccumulateGrad", "AccumulateGrad"]
    assert sol["graph_ops"](a) == [] and sol["graph_ops"](e.detach()) == []
    mistakes = oracle.graph_ops_mistakes(e)
    assert mistakes, "no catalogued graph_ops mistakes to check"
    assert all(wrong != sol["graph_ops"](e) for wrong in mistakes.values())


def test_torch_expression_grads_on_random_inputs(sol):
    rng = np.random.default_rng(9)
    for a, b in rng.uniform(-3, 3, size=(20, 2)):
        got = sol["torch_expression_grads"](float(a), float(b), torch.device("cpu"))
        assert all(isinstance(v, float) for v in got)
        np.testing.assert_allclose(got, oracle.torch_expression_grads(a, b), rtol=1e-12, atol=1e-12)


# ---- the grading helpers ------------------------------------------------------------------------------------------

def test_reference_engine_swaps_and_restores_the_name():
    names = {"Value": "mine"}
    with oracle.reference_engine(names) as Node:
        assert names["Value"] is Node is oracle.Node
    assert names["Value"] == "mine"
    empty = {}
    with pytest.raises(RuntimeError), oracle.reference_engine(empty):
        raise RuntimeError("a failing test inside")
    assert "Value" not in empty


# ---- the student-side test helpers (rnncourse.programs) --------------------------------------------------------------

def test_programs_hold_no_derivatives():
    """rnncourse.programs ships with the course: no Node, no propagate, no local derivative of any operation."""
    source = (REPO / "rnncourse" / "programs.py").read_text()
    for word in ("def backward", "propagate", "1 - t", "1.0 - t", "answer_key", "oracles"):
        assert word not in source, word


def test_random_graphs_path_sums_and_mistakes(sol):
    for seed in range(40):
        gen = np.random.default_rng(seed)
        nodes = programs.random_graph(gen, n_leaves=3, n_inner=int(gen.integers(3, 10)))
        root = nodes[-1]
        for leaf in nodes:
            got = sol["path_sum_gradient"](root, leaf)
            assert got == pytest.approx(oracle.path_sum(root, leaf), rel=1e-12, abs=1e-12)
            for text, wrong in oracle.path_sum_mistakes(root, leaf).items():
                assert not math.isclose(wrong, got, rel_tol=1e-9, abs_tol=1e-12), text
    assert programs.graph_text(nodes).startswith("n0 <- (")


def test_edge_derivative_reads_one_step_and_composed_operations(sol):
    Value = sol["Value"]
    x, y = Value(0.7), Value(-1.6)
    assert programs.edge_derivative(x * x, x, "x * x") == pytest.approx(1.4)
    assert programs.edge_derivative(x * y, y, "x * y") == pytest.approx(0.7)
    assert programs.edge_derivative(2 - x, x, "2 - x") == -1.0
    composed = x + (-1.0) * y           # a graph two deep: read with backward()
    assert programs.edge_derivative(composed, y, "x - y") == pytest.approx(-1.0)
    bad = Value(1.0, (x, 2.0), (1.0, 1.0))
    with pytest.raises(AssertionError, match="every child must be a node"):
        programs.edge_derivative(bad, x, "bad")


def test_torch_stand_in_gives_the_reference_gradients(sol):
    StandIn = programs.torch_stand_in(sol["Value"])
    a, b = StandIn(2.0), StandIn(1.0)
    e = sol["expression_e"](a, b)
    assert isinstance(e, sol["Value"]) and e.data == 6.0 and programs.gradients(e, [a, b]) == [2.0, 5.0]
    constant = sol["Value"](3.0)
    assert isinstance(constant + a, StandIn) and isinstance(constant * a - constant, StandIn)
    assert programs.gradients(sol["Value"](a.data) * a, [a]) == [2.0]   # a new Value is a constant
    rng = np.random.default_rng(11)
    for D, H, K in [(1, 1, 1), (3, 3, 2), (5, 7, 4)]:
        arrays = {"x": rng.normal(size=D), "W": rng.normal(size=(H, D)), "b": rng.normal(size=H),
                  "V": rng.normal(size=(K, H)), "a": rng.normal(size=K)}
        g = rng.normal(size=K)
        ref = oracle.ffn_reference(*arrays.values(), g)

        def stand_ins(array):
            array = np.asarray(array, dtype=float)
            return StandIn(array.item()) if array.ndim == 0 else [stand_ins(row) for row in array]

        nodes = {k: stand_ins(v) for k, v in arrays.items()}
        h, y = sol["ffn_forward"](*nodes.values())
        np.testing.assert_allclose([v.data for v in y], ref["y"], **TOL)
        for name, value in nodes.items():
            flat = list(np.ravel(np.array(value, dtype=object)))
            grads = np.reshape(programs.gradients(y, flat, weights=g), arrays[name].shape)
            np.testing.assert_allclose(grads, ref[name], **TOL, err_msg=name)
    for T in (1, 4, 12):
        xs, targets = rng.normal(size=T).tolist(), rng.uniform(-0.8, 0.8, size=T).tolist()
        u, w, h0 = (float(v) for v in rng.uniform(-1.2, 1.2, size=3))
        ref = oracle.rnn_reference(xs, targets, u, w, h0)
        U, W, H0 = StandIn(u), StandIn(w), StandIn(h0)
        loss, states = sol["unrolled_rnn_loss"](xs, targets, U, W, H0)
        du, dw, dh0, *dstates = programs.gradients(loss, [U, W, H0] + states)
        np.testing.assert_allclose([loss.data, du, dw, dh0], [ref["loss"], ref["du"], ref["dw"], ref["dh0"]], **TOL)
        shares = [g * (1 - s.data ** 2) * p.data for g, s, p in zip(dstates, states, [H0] + states[:-1], strict=True)]
        np.testing.assert_allclose(shares, ref["per_step"], **TOL)


# ---- issue 14: edge inputs, one mistake per flawed operation, mistakes that can show ---------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_power_at_zero_matches_torch(sol, n):
    """x ** n at x = 0 (n >= 1): value and local derivative as torch gives them, in the solution and the oracle."""
    for cls in (sol["Value"], oracle.Node):
        data, grads = engine_gradients(cls, [("pow", 0, n)], [0.0])
        t_data, t_grads = torch_reference([("pow", 0, n)], [0.0])
        assert data == t_data and grads == pytest.approx(t_grads, abs=1e-15)


def test_data_is_a_float_even_from_whole_numbers(sol):
    Value = sol["Value"]
    for value in (Value(3), Value(3) + Value(2), Value(3) * 2, -Value(3), Value(3) ** 2):
        assert type(value.data) is float


@pytest.mark.parametrize("description,cls", list(oracle.FLAWED_OPS.items()))
def test_each_flawed_operation_is_wrong_and_named_alone_on_its_own_operation(description, cls):
    """On the operation it breaks, a flawed local derivative differs from torch and is the only mistake that fits."""
    op = {"tanh": ("tanh", 0, None), "product": ("mul", 0, 1), "power": ("pow", 0, 3), "d(x - y)": ("sub", 0, 1),
          "d(x/y)": ("div", 0, 1), "d(-x)": ("neg", 0, None), "exp": ("exp", 0, None)}
    step = next(s for word, s in op.items() if word in description)
    values = [0.7, -1.6] if step[0] in programs.BINARY else [0.7]
    _, right = torch_reference([step], values)
    _, wrong = oracle.gradients([step], values, cls=cls)
    assert not np.allclose(wrong, right), description
    fits = [d for d, v in oracle.local_mistakes([step], values).items() if np.allclose(v, wrong)]
    assert fits == [description]


def test_forward_and_local_mistakes_never_equal_the_answer():
    rng = np.random.default_rng(14)
    for op in ("add", "sub", "mul", "div", "pow", "tanh", "exp", "neg", "addc", "mulc"):
        for x, y in rng.uniform(-2, 2, size=(10, 2)).round(3):
            y = y if abs(y) >= 0.25 else y + 0.5
            arg = 2 if op == "pow" else (None if op in ("tanh", "exp", "neg") else float(y))
            right = programs._ON_FLOATS[op](float(x), arg)
            for text, wrong in oracle.forward_mistakes(op, float(x), arg).items():
                assert not math.isclose(wrong, right, rel_tol=1e-9, abs_tol=1e-12), (op, text)
            program = [(op, 0, 1)] if op in programs.BINARY else [(op, 0, arg)]
            values = [float(x), float(y)] if op in programs.BINARY else [float(x)]
            _, grads = oracle.gradients(program, values)
            for text, wrong in oracle.local_mistakes(program, values).items():
                assert not np.allclose(wrong, grads), (op, text)


def test_leaves_first_and_repeated_orders_are_really_wrong():
    program, values = [("mulc", 0, 2.0), ("tanh", 0, None), ("mul", 1, 2), ("add", 3, 0)], [0.9]
    _, right = torch_reference(program, values)
    assert oracle.gradients(program, values)[1] == pytest.approx(right, rel=1e-12)
    assert not np.allclose(oracle.gradients(program, values, order=oracle.leaves_first)[1], right)
    shared = [("mul", 0, 1), ("tanh", 2, None), ("mul", 2, 3), ("add", 4, 2)]
    _, right = torch_reference(shared, [0.5, -1.2])
    assert not np.allclose(oracle.gradients(shared, [0.5, -1.2], order=oracle.with_repeats)[1], right)
    assert not np.allclose(oracle.gradients(shared, [0.5, -1.2], chain=False)[1], right)


def test_expression_e_mistakes_are_what_the_described_code_gives():
    Node = oracle.Node
    for p, q in [(2.0, 1.0), (-1.5, 0.25), (3.0, -2.0), (0.5, -1.0)]:
        mistakes = oracle.expression_e_mistakes(p, q)
        a, b = Node(p), Node(q)
        e = (a + b) * (Node(b.data) + 1)
        e.backward()
        key = next(k for k in mistakes if "through d is lost" in k)
        assert mistakes[key] == pytest.approx((e.data, a.grad, b.grad))
        right = ((p + q) * (q + 1), q + 1, p + 2 * q + 1)
        assert not any(np.allclose(v, right) for v in mistakes.values())


def test_ffn_rnn_and_torch_mistakes_differ_from_the_answer():
    rng = np.random.default_rng(15)
    x, W, b, V, a = (rng.normal(size=shape) for shape in [3, (3, 3), 3, (3, 3), 3])
    ref = oracle.ffn_reference(x, W, b, V, a, np.ones(3))
    h_mistakes, y_mistakes = oracle.ffn_h_mistakes(x, W, b, V, a), oracle.ffn_y_mistakes(x, W, b, V, a)
    assert any("V is used transposed" in k for k in y_mistakes) and any("W is used transposed" in k for k in h_mistakes)
    assert not any(np.allclose(v, ref["h"]) for v in h_mistakes.values())
    assert not any(np.allclose(v, ref["y"]) for v in y_mistakes.values())
    xs, targets = [1.0, -0.5, 0.3], [0.2, 0.1, -0.3]
    ref = oracle.rnn_reference(xs, targets, 0.7, 0.9, 0.1)
    for function, key in [(oracle.rnn_loss_mistakes, "loss"), (oracle.rnn_dw_mistakes, "dw"),
                          (oracle.rnn_du_mistakes, "du"), (oracle.rnn_dh0_mistakes, "dh0"),
                          (oracle.rnn_states_mistakes, "states")]:
        found = function(xs, targets, 0.7, 0.9, 0.1)
        assert found and not any(np.allclose(v, ref[key]) for v in found.values()), key
    assert any("mean" in k for k in oracle.rnn_loss_mistakes(xs, targets, 0.7, 0.9, 0.1))
    assert not any("mean" in k for k in oracle.rnn_loss_mistakes([0.4], [-0.2], 1.3, -0.4, 0.5))   # T = 1: mean = sum
    assert any("float32" in k for k in oracle.torch_expression_mistakes(0.1, 0.3))
    assert not any("float32" in k for k in oracle.torch_expression_mistakes(2.0, 1.0))   # exact in float32


def test_path_sum_mistakes_by_data_and_empty_path_show_on_the_lecture_graph():
    node = programs.graph_node
    a, b, one = node(2.0, name="a"), node(1.0, name="b"), node(1.0, name="1")
    e = node(6.0, (node(3.0, (a, b), (1.0, 1.0)), node(2.0, (b, one), (1.0, 1.0))), (2.0, 3.0))
    by_data = [v for k, v in oracle.path_sum_mistakes(e, b).items() if "by their data" in k]
    assert by_data == [8.0]
    assert any("empty path" in k for k in oracle.path_sum_mistakes(e, e))
