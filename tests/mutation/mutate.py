"""Mutants of a solution cell: one small, plausible change each, made on the syntax tree.

The kinds follow what students get wrong: an operator or comparison swapped, a constant off by one, a
transpose or `reversed` dropped, another axis, a slice bound moved, a statement left out, a sign lost,
`and` for `or`. Each mutant changes exactly one place; its id names the cell, the place and the change, so
that a mutant judged equivalent can be listed by id. An id is a position, and an edit above it moves what the
position names: each mutant also carries the text of the line it changes, and a listed equivalent mutant is
pinned to that text (tests/test_mutation.py), so an id that comes to name another line is caught.
"""

import ast
import copy
import dataclasses

_SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
_SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_SWAP_BOOL = {ast.And: ast.Or, ast.Or: ast.And}


@dataclasses.dataclass(frozen=True)
class Mutant:
    id: str           # cell:line:column:kind
    cell: str         # the solution cell's grade_id
    description: str  # what changed, in words
    source: str       # the whole cell with the change
    line: str = ""    # the original line it changes, stripped: what an equivalent entry is pinned to


def _sites(tree):
    """(node, kind, description, apply) for every single change this module knows how to make."""
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in _SWAP_BIN:
            new = _SWAP_BIN[type(node.op)]
            sites.append((node, "binop", f"{type(node.op).__name__} -> {new.__name__}",
                          lambda n, new=new: setattr(n, "op", new())))
        elif isinstance(node, ast.AugAssign) and type(node.op) in _SWAP_BIN:
            new = _SWAP_BIN[type(node.op)]
            sites.append((node, "augassign", f"{type(node.op).__name__}= -> {new.__name__}=",
                          lambda n, new=new: setattr(n, "op", new())))
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _SWAP_CMP:
                    new = _SWAP_CMP[type(op)]
                    sites.append((node, f"compare{i}", f"{type(op).__name__} -> {new.__name__}",
                                  lambda n, i=i, new=new: n.ops.__setitem__(i, new())))
        elif isinstance(node, ast.BoolOp):
            new = _SWAP_BOOL[type(node.op)]
            sites.append((node, "boolop", f"{type(node.op).__name__} -> {new.__name__}",
                          lambda n, new=new: setattr(n, "op", new())))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                sites.append((node, f"int{delta:+d}", f"{node.value} -> {node.value + delta}",
                              lambda n, delta=delta: setattr(n, "value", n.value + delta)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sites.append((node, "neg", "a minus sign dropped", None))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not", "a `not` dropped", None))
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            sites.append((node, "transpose", "a `.T` dropped", None))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("reversed", "sorted", "abs", "list", "tuple", "float", "int") \
                and len(node.args) == 1 and not node.keywords:
            sites.append((node, "call", f"`{node.func.id}(...)` dropped", None))
        elif isinstance(node, ast.keyword) and node.arg in ("axis", "dim", "keepdims", "keepdim"):
            if isinstance(node.value, ast.Constant) and type(node.value.value) is int:
                for other in sorted({0, 1, -1} - {node.value.value}):
                    sites.append((node, f"axis{other}", f"{node.arg}={node.value.value} -> {node.arg}={other}",
                                  lambda n, other=other: setattr(n, "value", ast.Constant(other))))
            elif isinstance(node.value, ast.Constant) and type(node.value.value) is bool:
                sites.append((node, "flag", f"{node.arg}={node.value.value} -> {not node.value.value}",
                              lambda n: setattr(n, "value", ast.Constant(not n.value.value))))
        elif isinstance(node, ast.Slice):
            for part in ("lower", "upper"):
                if getattr(node, part) is not None:
                    for delta in (1, -1):
                        sites.append((node, f"{part}{delta:+d}", f"slice {part} bound {delta:+d}",
                                      lambda n, part=part, delta=delta: setattr(
                                          n, part, ast.BinOp(getattr(n, part), ast.Add(), ast.Constant(delta)))))
    return sites


class _Unwrap(ast.NodeTransformer):
    """Replace one node (found by position and type) by its operand: -x -> x, x.T -> x, reversed(x) -> x."""

    def __init__(self, target):
        self.target = target

    def visit(self, node):
        if _place(node) == self.target[0] and type(node).__name__ == self.target[1]:
            if isinstance(node, ast.UnaryOp):
                return node.operand
            if isinstance(node, ast.Attribute):
                return node.value
            if isinstance(node, ast.Call):
                return node.args[0]
        return self.generic_visit(node)


def _place(node):
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0), getattr(node, "end_lineno", 0),
            getattr(node, "end_col_offset", 0))


def _find(tree, place, kind):
    return next(n for n in ast.walk(tree) if _place(n) == place and type(n).__name__ == kind)


def _statements(tree):
    """Statements inside function bodies that can be left out (not the function's only statement)."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for body_owner in ast.walk(fn):
                for field in ("body", "orelse"):
                    body = getattr(body_owner, field, None)
                    if isinstance(body, list) and len(body) > 1:
                        for stmt in body:
                            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr, ast.AnnAssign)) \
                                    and not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                                found.append(stmt)
    return found


def mutants(cell, source):
    """Every single-change mutant of one solution cell's source, in source order, without duplicates."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out, seen = [], {ast.unparse(tree)}
    for node, kind, description, apply in _sites(tree):
        mutated = copy.deepcopy(tree)
        place, name = _place(node), type(node).__name__
        if apply is None:
            mutated = ast.fix_missing_locations(_Unwrap((place, name)).visit(mutated))
        else:
            apply(_find(mutated, place, name))
            ast.fix_missing_locations(mutated)
        text = ast.unparse(mutated)
        if text not in seen:
            seen.add(text)
            out.append(Mutant(f"{cell}:{place[0]}:{place[1]}:{kind}", cell, f"line {place[0]}: {description}",
                              text, lines[place[0] - 1].strip()))
    for stmt in _statements(tree):
        mutated = copy.deepcopy(tree)
        target = _place(stmt)
        for owner in ast.walk(mutated):
            for field in ("body", "orelse"):
                body = getattr(owner, field, None)
                if isinstance(body, list):
                    for i, s in enumerate(body):
                        if _place(s) == target:
                            body[i] = ast.Pass()
        text = ast.unparse(ast.fix_missing_locations(mutated))
        if text not in seen:
            seen.add(text)
            out.append(Mutant(f"{cell}:{target[0]}:{target[1]}:dropped", cell,
                              f"line {target[0]}: the statement `{ast.unparse(stmt)[:60]}` left out", text,
                              lines[target[0] - 1].strip()))
    return sorted(out, key=lambda m: m.id)
