"""Errors a user can fix. The CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class AdvisorInputError(Exception):
    """Bad input: names the file, the problem, where it is and how to fix it."""

    def __init__(self, source: str, problem: str, where: str | None = None, fix: str | None = None):
        self.source = source
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [f"{self.source}: {self.problem}"]
        if self.where:
            parts.append(f"({self.where})")
        line = " ".join(parts)
        if self.fix:
            line += f"; fix: {self.fix}"
        # A newline inside a user-supplied name must not break the one-line contract.
        return " ".join(line.split())


class RulebookError(AdvisorInputError):
    """A rule file that does not parse or names an unknown fact."""
