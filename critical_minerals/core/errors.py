"""One error type for bad input, so every failure tells the user where, what and how to fix it."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input (data file, parameter, checksum...). The message names file, field, value and the fix."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: object = None,
        row: object = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.field = field
        self.value = value
        self.row = row
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        head = ", ".join(where)
        value = f" (value {cut(self.value)})" if self.value is not None else ""
        text = f"{head}{value}: {self.problem}" if head else f"{self.problem}{value}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


VALUE_SHOWN = 80  # characters of a value a message shows: a bad value may be a whole file or a huge number


def cut(value: object) -> str:
    """The value as Python writes it, cut to its first characters when long (never formatted in full: a value of
    millions of characters would take the message with it)."""
    if isinstance(value, str) and len(value) > VALUE_SHOWN:
        return f"{value[:VALUE_SHOWN]!r}... ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
    text = repr(value)
    return text if len(text) <= VALUE_SHOWN else f"{text[:VALUE_SHOWN]}... ({len(text):,} characters)"
