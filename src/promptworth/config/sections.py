"""Typed accessors over params.yaml's mappings that know each value's dotted key and line, so
every error reads `params.yaml:57: 'train.batch_size' must be an integer >= 1, got 0`; and the
check that refuses keys no validation read (a typo, or a setting this version lacks)."""

from __future__ import annotations

from typing import Any

from promptworth.core.errors import ParamsError


class Section:
    """Typed accessors over one mapping of params.yaml that know the dotted key and its line."""

    def __init__(self, raw: Any, key: str, ctx: tuple[str, dict[str, int], list]):
        self.raw, self.key, self.ctx = raw, key, ctx
        self.read: set[str] = set()  # the keys validation asked for: any other is unknown
        if not isinstance(raw, dict):
            where = f"'{key}'" if key else "the params file"
            raise self._error(key, f"{where} must be a mapping, got {type(raw).__name__}")
        ctx[2].append(self)

    def _error(self, key: str, text: str) -> ParamsError:
        path, lines, _ = self.ctx
        # The key's own line; for a missing key, its section's.
        line = lines.get(key) or lines.get(key.rpartition(".")[0])
        return ParamsError(f"{path}:{line}: {text}" if line else f"{path}: {text}")

    def dotted(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def has(self, name: str) -> bool:
        return name in self.raw

    def _get(self, name: str) -> Any:
        self.read.add(name)
        if name not in self.raw:
            raise self._error(self.dotted(name), f"missing key '{self.dotted(name)}'")
        return self.raw[name]

    def fail(self, name: str, why: str) -> ParamsError:
        return self._error(self.dotted(name), f"'{self.dotted(name)}' {why}")

    def section(self, name: str) -> Section:
        return Section(self._get(name), self.dotted(name), self.ctx)

    def str_(self, name: str, optional: bool = False) -> str | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a non-empty string, got {value!r}")
        return value

    def int_(self, name: str, minimum: int = 0, optional: bool = False) -> int | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def float_(self, name: str, low: float, high: float) -> float:
        value = self._get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise self.fail(name, f"must be a number in [{low}, {high}], got {value!r}")
        return float(value)

    def bool_(self, name: str) -> bool:
        value = self._get(name)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def bool_or_auto(self, name: str) -> bool | str:
        value = self._get(name)
        if value != "auto" and not isinstance(value, bool):
            raise self.fail(name, f"must be auto, true or false, got {value!r}")
        return value

    def one_of(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self._get(name)
        if value not in allowed:
            raise self.fail(name, f"must be one of {list(allowed)}, got {value!r}")
        return value

    def list_(self, name: str, allow_empty: bool = False) -> list:
        value = self._get(name)
        if value is None and allow_empty:
            return []
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(
                name, f"must be a {'' if allow_empty else 'non-empty '}list, got {value!r}"
            )
        if len(set(map(str, value))) != len(value):
            raise self.fail(name, f"has duplicate entries: {value!r}")
        return value

    def choices(
        self, name: str, allowed: tuple[str, ...], allow_empty: bool = False
    ) -> tuple[str, ...]:
        values = self.list_(name, allow_empty)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise self.fail(name, f"has unknown value(s) {bad}; allowed: {list(allowed)}")
        return tuple(values)

    def ints(self, name: str, minimum: int, allow_empty: bool = False) -> tuple[int, ...]:
        values = self.list_(name, allow_empty)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                raise self.fail(name, f"must hold integers >= {minimum}, got {v!r} in {values}")
        return tuple(values)


# Sections whose keys are names (methods, patterns, grid families) check them where they are
# read; the sections under them (a pattern's, a method's, a family's keys) are checked here.
NAMED_KEY_SECTIONS = ("grid", "methods", "format.patterns")


def refuse_unknown_keys(sections: list[Section]) -> None:
    """A key no validation read is a typo or a setting this version does not have (a `dvc exp run
    -S +train.epoch=3` adds it silently): refuse it, with the closest known key."""
    import difflib

    for section in sections:
        if section.key in NAMED_KEY_SECTIONS:
            continue
        for name in section.raw:
            if name in section.read:
                continue
            known = sorted(section.read)
            close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{section.dotted(close[0])}'?" if close else ""
            where = f"'{section.key}'" if section.key else "the params file"
            raise section._error(
                section.dotted(str(name)),
                f"unknown key '{section.dotted(str(name))}'{hint} ({where} has {known})",
            )
