"""Located spec errors.

Every problem names where it is (``spec.metrics[1].failureLimit``) and what would be accepted.
Where Argo has a message for the rule, ``message`` is Argo's exact text (it is what an Argo user
would see in the AnalysisRun), and ``str()`` puts the path in front of it.

    SpecError(ValueError)          one or more SpecIssue
    ArgError(ValueError)           argument resolution (``failed to resolve {{args.x}}`` ...)
    MergeError(ValueError)         building a run from templates (``two metrics have ...``)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from app.spec.hints import field_names, unknown_name_hint

__all__ = ["ArgError", "MergeError", "SpecError", "SpecIssue", "format_loc"]


@dataclass(frozen=True, slots=True)
class SpecIssue:
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} ({self.hint})" if self.hint else text


class SpecError(ValueError):
    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))

    @property
    def message(self) -> str:
        """The first issue's bare message (Argo's text where Argo has one)."""
        return self.issues[0].message

    @property
    def path(self) -> str:
        return self.issues[0].path

    @classmethod
    def single(cls, path: str, message: str, hint: str = "") -> SpecError:
        return cls([SpecIssue(path, message, hint)])

    @classmethod
    def from_pydantic(
        cls, exc: ValidationError, *, prefix: str = "", model: type[BaseModel] | None = None
    ) -> SpecError:
        """Every error pydantic found; with ``model`` (what was validated), an unknown field
        also gets the closest known name (or the list of known ones) as its hint."""
        issues = []
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            path = format_loc(loc, prefix=prefix)
            message, hint = str(error["msg"]).removeprefix("Value error, "), ""
            if error["type"] == "extra_forbidden":
                message = "unknown field"
                if model is not None and loc:
                    hint = unknown_name_hint(str(loc[-1]), field_names(model, loc))
            elif error["type"] == "missing":
                message = "required field is missing"
            issues.append(SpecIssue(path, message, hint))
        return cls(issues)


class ArgError(ValueError):
    """Argo's text, e.g. ``failed to resolve {{args.x}}``; the run message prefixes it."""

    def __init__(self, message: str, *, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class MergeError(ValueError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def format_loc(loc: Sequence[int | str], *, prefix: str = "") -> str:
    """``("spec", "metrics", 1, "failureLimit")`` -> ``spec.metrics[1].failureLimit``."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in part or part in {"int", "str"}:
            continue  # a union member tag, not a field
        else:
            text += f".{part}" if text else part
    return text
