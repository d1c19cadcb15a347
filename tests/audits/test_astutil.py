"""audits.astutil's node index: every node of a type, in source (pre-)order, as a plain recursive walk finds them."""

import ast
import gc

from audits.astutil import children, nodes

SOURCE = '''
import os, sys as system
from a.b import (c, d as e)

@decorator(1, key=[x for x in range(3) if x])
class Widget(Base, metaclass=Meta):
    size: int = 3

    def forward(self, x, *rest, scale=2.0, **options):
        total = sum(v * scale for v in x) + {k: v for k, v in options.items()}.get("bias", 0)
        if total > 1 and not rest or total < -1:
            return lambda y: (y, total)[0]
        match x:
            case [first, *others] if first:
                return others
            case {"k": value, **extra}:
                return value, extra
        try:
            del self.cache[0:2, ::3]
        except (KeyError, ValueError) as error:
            raise RuntimeError(f"{error!r:>10}") from error
        finally:
            global counter
        return [a if a else b for a, b in zip(x, x[1:])]


async def main():
    async with open("f") as stream, lock:
        async for line in stream:
            await line
    assert (n := 3) == 3, "walrus"
'''


SKIPPED = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop)  # contexts and operators: not nodes to the index


def preorder(node: ast.AST) -> list[ast.AST]:
    """Every node under `node`, parents before children, children in field order (contexts and operators left out)."""
    found = [node]
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, SKIPPED):
            found += preorder(child)
    return found


def test_every_node_type_is_listed_in_source_order():
    tree = ast.parse(SOURCE)
    expected = preorder(tree)
    kinds = {type(node) for node in expected}
    assert len(kinds) >= 50  # the source above reaches most of the grammar, lists and optional fields alike
    for kind in kinds:
        assert nodes(tree, kind) == [node for node in expected if type(node) is kind], kind.__name__


def test_children_are_ast_iter_child_nodes_without_contexts_and_operators():
    for node in preorder(ast.parse(SOURCE)):
        assert children(node) == [child for child in ast.iter_child_nodes(node) if not isinstance(child, SKIPPED)]


def test_a_tree_and_its_index_form_no_reference_cycle():
    """The audit runs with the cyclic garbage collector off: a tree holding its own index must be
    freed by reference counting alone, so nothing is left for the collector to find."""
    gc.collect()
    gc.disable()
    try:
        tree = ast.parse(SOURCE * 20)
        assert nodes(tree, ast.Module) == [tree] and nodes(tree, ast.Module, ast.ClassDef)[0] is tree
        nodes(tree, ast.Name)
        del tree
        assert gc.collect() < 50  # with the tree in its own index: every node of it, thousands
    finally:
        gc.enable()


def test_a_question_of_several_types_is_answered_once_per_tree():
    """TST002 asks a test file's tree for its try and with blocks once per test function: the sorted
    answer is kept on the tree (unless it holds the tree itself, which would be a reference cycle)."""
    tree = ast.parse(SOURCE)
    first = nodes(tree, ast.Try, ast.AsyncWith)
    assert [type(node) for node in first] == [ast.Try, ast.AsyncWith] and nodes(tree, ast.Try, ast.AsyncWith) is first
    assert nodes(tree, ast.Module, ast.Try) is not nodes(tree, ast.Module, ast.Try)
