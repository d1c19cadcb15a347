"""CC001: composition containers (Sequential and look-alikes) in a module source."""

from __future__ import annotations

import ast
import re
from typing import Optional

from audits.astutil import dotted_name, nodes
from audits.model import Rule, Severity
from audits.rules._base import finding, parsed_code_cells
from audits.rules._usage import explicit_model, usages

CONTAINER_NAMES = {"Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "LayerList", "SequentialModel"}
WRAPPERS = {"list", "tuple"}
LAYERISH = re.compile(r"layer|module|block|stage|net|model|cell|unit", re.IGNORECASE)

DOC = """\
What it does: finds composition containers: a class that holds a collection of layers handed
to it and chains their forward calls (`Sequential(Linear(4, 8), ReLU(), Linear(8, 2))`), or an
import or use of Sequential/ModuleList-like names. Detected structurally, whatever the class
is called: a method stores `*args`, a parameter or a literal list of layer calls in
`self.<attr>` (or appends parameters to it), and a method loops over `self.<attr>` doing
`x = layer(x)` / `x = layer.forward(x)`, with evidence that the items are layers (the chain is
in `forward` or calls `.forward`, the collection is named like layers/modules/blocks, or the
class gathers their `parameters()`). Every definition is reported, also a second identical
one. Not containers: a model that builds its own repeated blocks
(`self.blocks = [Block(d) for _ in range(n)]`); a data pipeline such as `Compose([flip, crop])`
whose `__call__` chains transforms; an ensemble that applies every stored model to the same
input. Mentions in markdown, comments, docstrings or strings are never findings.
Why it matters: modules build atomic components; students chain layers explicitly so they
see the data flow, and a container in one module becomes a hidden dependency of later ones.
Example: `class SimpleModel:` whose `__init__(self, *layers)` stores the layers and whose
`forward` loops `x = layer(x)`.
How to fix: delete the container; write a small named model class whose forward calls each
layer explicitly."""


class _Collections(ast.NodeVisitor):
    """self.<attr> names filled from the caller: *args, a parameter, a literal list of layer calls, or appends."""

    def __init__(self) -> None:
        self.attrs: dict[str, int] = {}  # attr -> line where it is filled

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        params = {a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs} - {"self"}
        varargs = {node.args.vararg.arg} if node.args.vararg else set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    attr = _self_attr(target)
                    if attr and _from_caller(sub.value, params | varargs):
                        self.attrs.setdefault(attr, sub.lineno)
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in ("append", "extend", "insert"):
                attr = _self_attr(sub.func.value)
                if attr and any(isinstance(a, (ast.Name, ast.Starred)) and _names(a) & (params | varargs) for a in sub.args):
                    self.attrs.setdefault(attr, sub.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _self_attr(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _from_caller(value: ast.AST, params: set[str]) -> bool:
    """layers, list(layers), tuple(args), [*args], or a literal list/tuple of >= 2 calls."""
    if isinstance(value, ast.Name):
        return value.id in params
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in WRAPPERS and len(value.args) == 1:
        return _from_caller(value.args[0], params)
    if isinstance(value, (ast.List, ast.Tuple)):
        if len(value.elts) == 1 and isinstance(value.elts[0], ast.Starred):
            return _from_caller(value.elts[0].value, params)
        return len(value.elts) >= 2 and all(isinstance(e, ast.Call) for e in value.elts)
    return False


def _iterated_attr(loop: ast.For) -> Optional[str]:
    """The self.<attr> a for-loop walks: self.layers, enumerate(self.layers), reversed(self.layers),
    or its indices, range(len(self.layers))."""
    it = loop.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and len(it.args) == 1:
        inner = it.args[0]
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "len" and inner.args:
            return _self_attr(inner.args[0])
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("enumerate", "reversed", "iter") and it.args:
        it = it.args[0]
    return _self_attr(it)


def _loop_var(target: ast.AST) -> set[str]:
    return _names(target)


def _calls_item(call: ast.Call, items: set[str], attr: str) -> bool:
    """`layer(x)`, `layer.forward(x)`, `self.layers[i](x)`, `self.layers[i].forward(x)`."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__"):
        func = func.value
    if isinstance(func, ast.Name):
        return func.id in items
    return isinstance(func, ast.Subscript) and _self_attr(func.value) == attr


def _chains(loop: ast.For, attr: str) -> bool:
    """The loop body feeds each item's output back in: `x = item(x)`, `x = item.forward(x)`,
    `x = self.act(item(x))`, `x = self.layers[i](x)`."""
    items = _loop_var(loop.target)
    for node in ast.walk(loop):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        assigned = set().union(*(_names(t) for t in targets))
        for call in ast.walk(node.value):
            if isinstance(call, ast.Call) and _calls_item(call, items, attr):
                used = set().union(set(), *(_names(a) for a in call.args))
                if assigned & used:
                    return True
    return False


def _reduces(call: ast.Call) -> Optional[str]:
    """`functools.reduce(lambda h, layer: layer(h), self.layers, x)`: the self.<attr> it folds over."""
    name = dotted_name(call.func)
    if name in ("reduce", "functools.reduce") and len(call.args) >= 2 and isinstance(call.args[0], ast.Lambda):
        return _self_attr(call.args[1])
    return None


def container_class(node: ast.ClassDef, chains: Optional[list] = None) -> Optional[tuple[str, int, int]]:
    """(attribute, line filled, line chained) when the class is a composition container.

    `chains` (the for-loops and the names `reduce` inside the class, when the caller
    has them) saves the walks: a class without a loop over a `self.<attr>` and
    without a `reduce` cannot be a container.
    """
    if chains is not None and not any(_iterated_attr(n) if isinstance(n, (ast.For, ast.AsyncFor)) else True for n in chains):
        return None
    collections = _Collections()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            collections.visit(item)
    if not collections.attrs:
        return None
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for loop in ast.walk(item):
            if isinstance(loop, (ast.For, ast.AsyncFor)):
                attr = _iterated_attr(loop)
                if attr in collections.attrs and _chains(loop, attr) and _holds_layers(node, item, loop, attr):
                    return attr, collections.attrs[attr], loop.lineno
            elif isinstance(loop, ast.Call):
                attr = _reduces(loop)
                if attr in collections.attrs and _holds_layers(node, item, loop, attr):
                    return attr, collections.attrs[attr], loop.lineno
    return None


def _holds_layers(cls: ast.ClassDef, method: ast.FunctionDef, loop: ast.AST, attr: str) -> bool:
    """Is what the class chains a model's layers, rather than data transforms or callbacks?

    Evidence of layers: the chain runs in `forward`, calls `item.forward(x)`, the collection
    or loop variable is named like layers (layers, modules, blocks, stages...), or the class
    collects `parameters()` from the collection. `Compose([flip, crop])` with `__call__`
    chaining `x = transform(x)` has none of these: a data pipeline, not a container of layers.
    """
    loop_names = _loop_var(loop.target) if isinstance(loop, (ast.For, ast.AsyncFor)) else set()
    if method.name == "forward" or LAYERISH.search(attr) or LAYERISH.search(" ".join(loop_names)):
        return True
    for node in ast.walk(loop):
        if isinstance(node, ast.Attribute) and node.attr == "forward":
            return True
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(item):
                if isinstance(node, ast.Attribute) and node.attr == "parameters" and isinstance(node.ctx, ast.Load):
                    return True
    return False


def check(module, index):
    for cell, tree in parsed_code_cells(module):
        chains = [  # what can chain layers: loops, and functools.reduce
            *nodes(tree, ast.For, ast.AsyncFor),
            *(name for name in nodes(tree, ast.Name) if name.id == "reduce"),
            *(attribute for attribute in nodes(tree, ast.Attribute) if attribute.attr == "reduce"),
        ]
        for node in nodes(tree, ast.ClassDef, ast.ImportFrom, ast.Attribute):
            if isinstance(node, ast.ClassDef):
                end = node.end_lineno or node.lineno
                found = container_class(node, [chain for chain in chains if node.lineno <= chain.lineno <= end])
                if found or node.name in CONTAINER_NAMES:
                    how = (
                        f"stores the layers it is given in `self.{found[0]}` (line {found[1]}) and chains their calls (line {found[2]})"
                        if found
                        else "is named like a composition container"
                    )
                    used, first = usages(module, index, node.name, skip=(node.lineno, end))
                    yield finding(
                        RULE, module, node.lineno, f"class `{node.name}` {how}: modules must not define composition containers.",
                        last=end, node=node,  # the excerpt is the whole class: it is what the fix deletes
                        suggestion=f"# Delete `{node.name}`; where a model is needed, write a small named class:\n" + explicit_model(node.name, first),
                        impact=used,
                    )  # fmt: skip
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in CONTAINER_NAMES:
                        yield finding(
                            RULE, module, node.lineno, f"imports the composition container `{alias.name}` from `{node.module}`.",
                            last=node.end_lineno, suggestion=f"Remove the `{alias.name}` import and chain the layers explicitly in a small named model class.",
                            node=alias if getattr(alias, "lineno", None) == node.lineno else node,
                        )  # fmt: skip
            elif isinstance(node, ast.Attribute) and node.attr in CONTAINER_NAMES:
                yield finding(
                    RULE, module, node.lineno, f"uses the composition container `{dotted_name(node) or node.attr}`.",
                    suggestion="Chain the layers explicitly in a small named model class instead.", node=node,
                )  # fmt: skip


RULE = Rule(
    code="CC001",
    name="composition container",
    severity=Severity.CRITICAL,
    category="Composition",
    doc=DOC,
    check=check,
    effort_minutes=30,
)
