"""The pipeline's graph with each stage family as one node (`dvc dag` draws every matrix cell).

    python tools/family_dag.py            # Mermaid, as in docs/pipeline.md
    python tools/family_dag.py --dot      # Graphviz

Reads `dvc dag --dot` of this checkout and merges `family@cell` nodes into `family`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys


def family_edges(dot: str) -> list[tuple[str, str]]:
    edges = []
    for src, dst in re.findall(r'"([^"]+)" -> "([^"]+)"', dot):
        edge = (src.split("@")[0], dst.split("@")[0])
        if edge not in edges:
            edges.append(edge)
    return edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dot", action="store_true", help="Graphviz instead of Mermaid")
    args = parser.parse_args()
    dot = subprocess.run(
        [sys.executable, "-m", "dvc", "dag", "--dot"], capture_output=True, text=True, check=True
    ).stdout
    edges = family_edges(dot)
    if args.dot:
        print("strict digraph {")
        print("\n".join(f'"{a}" -> "{b}";' for a, b in edges))
        print("}")
    else:
        print("flowchart TD")
        print("\n".join(f"    {a} --> {b}" for a, b in edges))


if __name__ == "__main__":
    main()
