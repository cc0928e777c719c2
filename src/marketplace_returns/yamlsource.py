"""YAML loading that remembers where each key stood, so errors can name the line.

Pydantic reports a location as a tuple path (``("rules", 3, "when", "price_below")``); this module
turns that path back into the line of the file it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from marketplace_returns.errors import ConfigError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlSource:
    """Parsed YAML plus a path → line index (1-based lines)."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _index(node: yaml.Node, path: Loc, out: dict[Loc, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _index(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), out)


def load_yaml(text: str, *, file: str, error: type[ConfigError] = ConfigError) -> YamlSource:
    """Parse ``text``; a syntax error raises ``error`` naming file and line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise error(f"not valid YAML: {exc.problem}", file=file,
                    line=(mark.line + 1) if mark else None) from None
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {exc}", file=file) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _index(node, (), lines)
    return YamlSource(file=file, data=data, lines=lines)


def dotted(loc: Loc) -> str:
    """``("rules", 3, "when")`` → ``rules[3].when``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
