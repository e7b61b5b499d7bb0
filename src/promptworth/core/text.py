"""Text helpers that configuration, data checks and verbalisers share (pure, no model)."""

from __future__ import annotations

import re

SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # a template's input slot: {text}, {premise}


def normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, whitespace collapsed ("Sci/Tech." -> "sci tech")."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def template_slots(template: str) -> list[str]:
    """The input columns a template names, in order: `{premise} ... {hypothesis}`."""
    return SLOT.findall(template)
