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
        value = f" (value {self.value!r})" if self.value is not None else ""
        text = f"{head}{value}: {self.problem}" if head else f"{self.problem}{value}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text
