"""Read YAML as DVC writes it (YAML 1.2), remembering the line of every key for error messages.

PyYAML implements YAML 1.1, where a float needs a dot: `1e-5` (and the `1e-05` that
`dvc exp run -S lr=1e-5` writes) would be the string "1e-05". YAML 1.2, which DVC reads and
writes, makes it a float; so does this loader.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader whose floats follow YAML 1.2 (no dot needed: 1e-5, 2E3)."""


Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Dotted key -> 1-based line where that key is written, for every mapping key under node."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            lines.update(key_lines(value_node, key))
    return lines


def load_yaml(text: str) -> tuple[Any, dict[str, int]]:
    """The document (YAML 1.2 numbers) and the line of each dotted key."""
    node = yaml.compose(text, Loader=Yaml12Loader)
    if node is None:
        return None, {}
    return yaml.load(text, Loader=Yaml12Loader), key_lines(node)


def load_yaml_file(path: str | Path) -> tuple[Any, dict[str, int]]:
    return load_yaml(Path(path).read_text())
