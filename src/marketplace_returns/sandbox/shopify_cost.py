"""Shopify's calculated query cost and the per-shop leaky bucket, as the sandbox applies them.

Why: the connector's pre-emptive slow-down and its THROTTLED handling are only tested if the sandbox
charges as Shopify does. Shopify's published rules: scalars and enums cost 0, an object 1, a
connection 2 plus ``first`` times its node's cost, a mutation 10; a query over 1,000 is refused
(MAX_COST_EXCEEDED). The bucket holds ``maximumAvailable`` points and refills at ``restoreRate`` per
second; the requested cost is taken up front and the difference to the actual cost is given back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    is_composite_type,
)

MAX_QUERY_COST: Final = 1000
MUTATION_COST: Final = 10


def _unwrap(t: Any) -> tuple[Any, bool]:
    is_list = False
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        is_list = is_list or isinstance(t, GraphQLList)
        t = t.of_type
    return t, is_list


class CostCalculator:
    """Requested cost of one operation (variables resolved), by Shopify's rules."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any]) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def operation(self, op: OperationDefinitionNode) -> int:
        if op.operation.value == "mutation":
            return MUTATION_COST * len(op.selection_set.selections)
        root = self.schema.query_type
        return self._selections(op.selection_set, root) if root else 0

    def _first(self, node: FieldNode) -> int | None:
        for arg in node.arguments:
            if arg.name.value == "first":
                if isinstance(arg.value, IntValueNode):
                    return int(arg.value.value)
                if isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                    return int(value) if isinstance(value, int) else None
        return None

    def _selections(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent)
            elif isinstance(sel, InlineFragmentNode):
                cond = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self._selections(sel.selection_set, cond)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    cond = self.schema.get_type(frag.type_condition.name.value)
                    total += self._selections(frag.selection_set, cond)
        return total

    def _field(self, node: FieldNode, parent: Any) -> int:
        fields = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is None:
            return 0
        named, is_list = _unwrap(definition.type)
        if not is_composite_type(named):
            return 0
        first = self._first(node)
        if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection") and node.selection_set:
            per_item = 0
            for sel in node.selection_set.selections:
                if isinstance(sel, FieldNode) and sel.name.value in ("nodes", "edges"):
                    item, _ = _unwrap(named.fields[sel.name.value].type)
                    per_item += 1 + self._selections(sel.selection_set, item)
            return 2 + (first or 1) * per_item
        inner = self._selections(node.selection_set, named)
        if is_list:
            return (first or 1) * (1 + inner)
        return 1 + inner


def actual_cost(data: Any) -> int:
    """What the answer really cost: one point per object returned (Shopify refunds the rest)."""
    if isinstance(data, dict):
        return (1 if data else 0) + sum(actual_cost(v) for v in data.values())
    if isinstance(data, list):
        return sum(actual_cost(v) for v in data)
    return 0


class LeakyBucket:
    """One shop's bucket. ``take`` returns True and charges, or False (throttled) and charges nothing."""

    def __init__(self, maximum: float = 2000.0, restore_rate: float = 100.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum, self.restore_rate, self.clock = maximum, restore_rate, clock
        self.available, self.at = maximum, clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now

    def take(self, cost: float) -> bool:
        with self._lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def give_back(self, points: float) -> None:
        with self._lock:
            self.available = min(self.maximum, self.available + max(points, 0.0))

    def status(self) -> dict[str, float]:
        with self._lock:
            self._refill()
            return {"maximumAvailable": self.maximum, "currentlyAvailable": round(self.available, 1),
                    "restoreRate": self.restore_rate}
