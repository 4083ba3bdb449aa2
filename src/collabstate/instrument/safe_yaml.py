"""Reading YAML a person wrote, within bounds: instruments and weighting targets.

PyYAML composes a document into a graph of nodes, in which an alias (``*name``) is the very node
its anchor (``&name``) marks. A reader that walks that graph as a tree visits an anchored node
once per alias, so nine lines of nested aliases (the "billion laughs") expand to 9⁹ values, and
``&a [*a]`` never ends; and the composer recurses once per level of nesting, so a value nested
500 deep is a ``RecursionError``. :class:`BoundedLoader` refuses, with the line:

- a file over :data:`MAX_YAML_BYTES` (an instrument of thousands of questions is far smaller);
- nesting deeper than :data:`MAX_DEPTH` levels, counted as the document is composed (an
  instrument needs about 6), so the composer never recurses further;
- an alias to a node that contains it (a recursive alias);
- aliases that expand the document beyond :data:`EXPANSION` times its own number of nodes
  (at least :data:`MIN_EXPANSION` values), or beyond :data:`MAX_DEPTH` levels once expanded.

Aliases themselves stay allowed: the built-in ``readiness-2018`` shares a list of NETs between
two scales with one. The bound is on what they expand to (as serde-yaml caps alias jumps at
100 times the events of the input, and the ``yaml`` package of npm at 100 aliases), checked on
the composed graph before anything is built from it, in time linear in its nodes.

>>> loader = BoundedLoader("a: &x [1, 2]\\nb: *x\\n")
>>> root = compose_bounded(loader)
>>> loader.dispose()
>>> [key.value for key, _ in root.value]
['a', 'b']
>>> compose_bounded(BoundedLoader("a: &x [*x]\\n"))
Traceback (most recent call last):
...
collabstate.instrument.safe_yaml.YAMLLimitError: line 1: the alias *x is inside the value it names (a recursive alias)
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.error import Mark

from ..errors import InputError

__all__ = ["EXPANSION", "MAX_DEPTH", "MAX_YAML_BYTES", "MIN_EXPANSION", "BoundedLoader", "YAMLLimitError", "compose_bounded"]

#: Levels of nesting a document may have (mappings and lists in one another).
MAX_DEPTH = 64
#: The largest YAML file read (bytes of UTF-8 text).
MAX_YAML_BYTES = 4 << 20
#: Aliases may expand a document to this many times its own nodes ...
EXPANSION = 10
#: ... or to this many values, whichever is more.
MIN_EXPANSION = 100_000


class YAMLLimitError(InputError, yaml.YAMLError):
    """A document beyond a bound of this module: ``problem`` says which, ``line`` where (1-based).
    A YAML error too, so that a reader's ``except yaml.YAMLError`` sees it."""

    def __init__(self, problem: str, line: int | None) -> None:
        self.problem, self.line = problem, line
        super().__init__(f"line {line}: {problem}" if line else problem)


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than :data:`MAX_DEPTH` as it composes."""

    def __init__(self, stream: str) -> None:
        if len(stream) > MAX_YAML_BYTES and len(stream.encode("utf-8")) > MAX_YAML_BYTES:
            raise YAMLLimitError(f"the file is over {MAX_YAML_BYTES >> 20} MB; a YAML file here is at most that", None)
        super().__init__(stream)
        self._depth = 0
        self._aliases: dict[int, tuple[str, Mark]] = {}  # id(node) -> the first alias to it, for messages

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves it untyped
            node = super().compose_node(parent, index)
            if node is not None:
                self._aliases.setdefault(id(node), (event.anchor or "", event.start_mark))
            return node
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # types-PyYAML leaves it untyped
                raise YAMLLimitError(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose_bounded(loader: BoundedLoader) -> yaml.Node | None:
    """The document's root node, once the aliases in it are known to be bounded; raises
    :class:`YAMLLimitError` (or PyYAML's own error for text that is not YAML)."""
    root = loader.get_single_node()
    if root is not None:
        _check_expansion(root, loader._aliases)
    return root


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node, aliases: dict[int, tuple[str, Mark]]) -> None:
    """Values and depth of the document with every alias expanded, counted once per node
    (iteratively: the graph may be deep); a cycle is a recursive alias."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    distinct = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    counted: int | None = None
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            size[key] = min(1 + sum(size[id(c)] for c in children), 1 << 62)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            continue
        if key in size:
            continue
        if key in on_path:
            name, mark = aliases.get(key, ("", node.start_mark))
            raise YAMLLimitError(f"the alias *{name} is inside the value it names (a recursive alias)", mark.line + 1)
        distinct += 1
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)
    counted = size[id(root)]
    budget = max(MIN_EXPANSION, EXPANSION * distinct)
    if counted > budget or height[id(root)] > MAX_DEPTH:
        worst = _first_over(root, size, height, budget)
        name, mark = aliases.get(id(worst), ("", worst.start_mark))
        alias = f" *{name}" if name else ""
        if height[id(root)] > MAX_DEPTH:
            raise YAMLLimitError(f"the alias{alias} nests the document more than {MAX_DEPTH} levels deep", mark.line + 1)
        raise YAMLLimitError(
            f"the alias{alias} repeats values that repeat others: the document would grow to more than {budget:,} values "
            f"from {distinct:,}; write them out, or repeat less",
            mark.line + 1,
        )


def _first_over(root: yaml.Node, size: dict[int, int], height: dict[int, int], budget: int) -> yaml.Node:
    """The smallest node (in document order) that is over a bound by itself: where to point."""
    node = root
    while True:
        over = [c for c in _children(node) if size[id(c)] > budget or height[id(c)] > MAX_DEPTH]
        if not over:
            return node
        node = over[0]
