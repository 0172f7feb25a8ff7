"""Whether a run may be stored, checked the same way whichever door it came in by (the REST
API, Argo's web-provider gate, Flagger's webhooks): everything the first measurement would trip
over (`app.service.submit.check_run`) plus the address allowlist, all reported at once as a 422
before anything is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.addresses import AddressPolicy, AddressRefused
from app.core.errors import FieldProblem, InvalidInput
from app.expr import Limits
from app.service.submit import Problems, ProviderCheck, check_run
from app.spec.errors import SpecIssue
from app.spec.load import prepare_run_spec
from app.spec.models import AnalysisRun

__all__ = ["ADDRESS_FIELDS", "Admission", "field_problems", "invalid"]

#: Where a provider block names the address augur will call.
ADDRESS_FIELDS = {"skywalking": "address", "prometheus": "address", "web": "url"}
ADDRESS_FIELDS["graphite"] = "address"


def field_problems(issues: Sequence[SpecIssue]) -> list[FieldProblem]:
    """Spec issues as the API names them: the field, then the message and its hint."""
    return [
        FieldProblem(i.path or "body", f"{i.message} ({i.hint})" if i.hint else i.message)
        for i in issues
    ]


def invalid(issues: Sequence[SpecIssue], detail: str) -> InvalidInput:
    """The spec's issues as one 422 naming each field."""
    return InvalidInput(detail, field_problems(issues))


class Admission:
    """The check `RunService` runs on every run and every template metric it is asked to store."""

    provider_check: ProviderCheck | None
    addresses: AddressPolicy
    #: The budgets conditions get here: one that provably needs more is refused.
    limits: Limits | None

    def check(self, run: AnalysisRun) -> None:
        """Every problem the first reconcile would meet, and addresses the allowlist refuses."""
        issues: list[SpecIssue] = []
        try:
            check_run(run, provider_check=self.provider_check, limits=self.limits)
        except Problems as problems:
            issues += problems.issues
        if not issues:
            issues += self._address_issues(run)
        if issues:
            raise invalid(issues, "the analysis cannot run as given")

    def _address_issues(self, run: AnalysisRun) -> list[SpecIssue]:
        found: list[SpecIssue] = []
        for index, metric in enumerate(prepare_run_spec(run.spec).metrics):
            key, block = metric.provider.body()
            name = ADDRESS_FIELDS.get(key)
            url = block.get(name) if name else None
            if not isinstance(url, str) or "temp-for-secret" in url:
                continue  # from a secret: checked by the provider when it is measured
            path = f"spec.metrics[{index}].provider.{key}.{name}"
            try:
                self.addresses.check_url(url, field=path)
            except AddressRefused as exc:
                found.append(SpecIssue(path, str(exc).removeprefix(f"{path}: ")))
        return found
