"""The task's sections of params.yaml: where the rows are and what their columns are (data),
and the prompt patterns with their label words (format)."""

from __future__ import annotations

from promptworth.config.schema import (
    CHECK_ACTIONS,
    MIN_INPUT_TOKENS,
    CarveSpec,
    DataChecks,
    DataParams,
    FormatParams,
    Pattern,
)
from promptworth.config.sections import Section


def label_words(s: Section, name: str, num_labels: int | None) -> tuple[str, ...]:
    """One target word per class; distinct and not punctuation-only once normalised as the exact
    verbaliser normalises (" World" and " world" would be one class to it; " ?" nothing). With
    the class names from the dataset (data.label_names null), the count is checked at download."""
    from promptworth.core.text import normalise

    words = s.list_(name)
    if (
        not all(isinstance(w, str) and w.strip() for w in words)
        or len(words) < 2
        or (num_labels is not None and len(words) != num_labels)
    ):
        count = f"{num_labels}, as data.label_names" if num_labels else "at least 2"
        raise s.fail(name, f"must give one non-empty word per class ({count}), got {words!r}")
    normalised = [normalise(w) for w in words]
    empty = [w for w, n in zip(words, normalised, strict=True) if not n]
    if empty:
        raise s.fail(
            name, f"has {empty[0]!r}, which is only punctuation: no verbaliser can read it"
        )
    for i, n in enumerate(normalised):
        if n in normalised[:i]:
            first = words[normalised.index(n)]
            raise s.fail(
                name,
                f"has {first!r} and {words[i]!r}, which are the same word once case and "
                "punctuation are ignored: the verbalisers could not tell the classes apart",
            )
    return tuple(words)


def read_data(s: Section) -> DataParams:
    names = None
    if s._get("label_names") is not None:
        names = s.list_("label_names")
        if len(names) < 2 or not all(isinstance(n, str) and n.strip() for n in names):
            raise s.fail(
                "label_names", f"must list at least 2 non-empty class names, got {names!r}"
            )
    inputs = s.list_("inputs")
    for column in inputs:
        if not isinstance(column, str) or not column.isidentifier():
            raise s.fail(
                "inputs", f"must name columns with letters, digits and '_' (template slots), "
                f"got {column!r}"
            )  # fmt: skip
    label = s.str_("label_column")
    if label in inputs:
        raise s.fail("label_column", f"({label!r}) is also an input column in data.inputs")
    checks = s.section("checks")
    return DataParams(
        source=s.str_("source"),
        config=s.str_("config", optional=True),
        test_source=s.str_("test_source", optional=True),
        train_split=s.str_("train_split"),
        test_split=s.str_("test_split"),
        inputs=tuple(inputs),
        label_column=label,
        label_names=None if names is None else tuple(names),
        checks=DataChecks(**{k: checks.one_of(k, a) for k, a in CHECK_ACTIONS.items()}),
        test_carve=_test_carve(s),
    )


def _test_carve(s: Section) -> CarveSpec | None:
    """data.test_carve: null, {rows: [start, stop]} or {size: n, seed: s}; only for a source
    without a test split of its own (data.test_source null)."""
    if s._get("test_carve") is None:
        return None
    if s.raw.get("test_source") is not None:
        raise s.fail(
            "test_carve", "and data.test_source both name test rows: set one of them to null"
        )
    c = s.section("test_carve")
    if c.has("rows") == c.has("size"):
        raise s.fail(
            "test_carve", f"takes either rows: [start, stop] or size: n (with seed), got {c.raw!r}"
        )
    if c.has("rows"):
        rows = c.ints("rows", 0)
        if len(rows) != 2 or rows[0] >= rows[1]:
            raise c.fail("rows", f"must be [start, stop] with start < stop, got {list(rows)}")
        return CarveSpec(rows=(rows[0], rows[1]))
    return CarveSpec(size=c.int_("size", 1), seed=c.int_("seed", 0) if c.has("seed") else 0)


def read_format(s: Section, data: DataParams) -> FormatParams:
    from promptworth.core.text import template_slots

    table = s.section("patterns")
    if not table.raw:
        raise s.fail("patterns", "must define at least one pattern")
    patterns = {}
    for name in table.raw:
        if not str(name).replace("_", "").isalnum():
            raise table.fail(name, "pattern names may hold only letters, digits and '_'")
        p = table.section(name)
        template = p.str_("template")
        slots = template_slots(template)
        unknown = [c for c in slots if c not in data.inputs]
        if unknown:
            raise p.fail(
                "template",
                f"has the slot {{{unknown[0]}}}, but data.inputs {list(data.inputs)} has no "
                f"column {unknown[0]!r}",
            )
        for column in data.inputs:
            if slots.count(column) != 1:
                raise p.fail(
                    "template",
                    f"must hold the slot {{{column}}} exactly once (one per input column in "
                    f"data.inputs), got {template!r}",
                )
        try:
            slotless = template
            for column in data.inputs:
                slotless = slotless.replace("{" + column + "}", "")
            slotless.format()
        except (IndexError, KeyError, ValueError) as err:
            raise p.fail(
                "template", f"may hold no placeholder but the input slots ({err})"
            ) from err
        patterns[str(name)] = Pattern(template, label_words(p, "label_words", data.num_labels))
    return FormatParams(patterns, s.int_("max_input_tokens", MIN_INPUT_TOKENS))
