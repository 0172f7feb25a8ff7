"""Kayenta canary configs kept in augur's store, checked before they are kept.

A config is Kayenta's JSON, read by `app.judge.parse_canary_config`, and every metric's `query`
must be one augur can fetch (`providers.series`: a type, its fields, an address or a default for
its type, an address the allowlist lets augur call): a config that could never be judged is a
422 naming each field, not a failed judgement at the next rollout.

Each config has an `id`, Kayenta's canaryConfigId: kept across replacements, unique across
namespaces (Argo finds a config by name, then starts executions by id). A config copied from
Kayenta may bring its own id; otherwise augur makes one. Names follow Kayenta's rule (letters,
digits, `-`, `_`), so Kayenta's configs keep their names.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.addresses import AddressPolicy, AddressRefused
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.judge import CanaryConfig, JudgeConfigError, parse_canary_config
from app.service.metricsets import MetricSets
from app.spec.status import format_time
from app.store.records import CanaryConfigRecord
from app.store.sql import SqlStore

__all__ = ["CONFIG_ID", "CONFIG_NAME", "CanaryConfigs", "config_json", "judge_problems"]

#: Kayenta's rule for config names (`CanaryConfigController`): letters, digits, - and _.
CONFIG_NAME = re.compile(r"[A-Za-z0-9_-]{1,253}")
CONFIG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Fields augur sets on every config it answers with; what a client sends for them is not kept.
SERVER_FIELDS = (
    "id",
    "createdTimestamp",
    "createdTimestampIso",
    "updatedTimestamp",
    "updatedTimestampIso",
)


def judge_problems(exc: JudgeConfigError, *, prefix: str = "") -> list[FieldProblem]:
    return [FieldProblem(f"{prefix}{where}", message) for where, message in exc.problems]


def _millis(record: CanaryConfigRecord, which: str) -> int:
    return int((record.created_at if which == "created" else record.updated_at).timestamp() * 1000)


def config_json(record: CanaryConfigRecord) -> dict[str, Any]:
    """The config as Kayenta answers it: its JSON with the id, name and timestamps set."""
    return {
        **record.body,
        "id": record.id,
        "name": record.name,
        "createdTimestamp": _millis(record, "created"),
        "createdTimestampIso": format_time(record.created_at),
        "updatedTimestamp": _millis(record, "updated"),
        "updatedTimestampIso": format_time(record.updated_at),
    }


@dataclass
class CanaryConfigs:
    store: SqlStore
    metricsets: MetricSets
    addresses: AddressPolicy = field(default_factory=AddressPolicy)

    def check(self, document: Any) -> CanaryConfig:
        """The config, or a 422 naming every field that is wrong, its queries' included."""
        try:
            config = parse_canary_config(document)
            self.metricsets.sources(config)
        except JudgeConfigError as exc:
            raise InvalidInput("the canary config is invalid", judge_problems(exc)) from None
        refused = []
        for index, metric in enumerate(config.metrics):
            address = (metric.query or {}).get("address")
            where = f"metrics[{index}].query.address"
            if isinstance(address, str):
                try:
                    self.addresses.check_url(address, field=where)
                except AddressRefused as exc:
                    refused.append(FieldProblem(where, str(exc).removeprefix(f"{where}: ")))
        if refused:
            raise InvalidInput("the canary config is invalid", refused)
        return config

    async def put(
        self, namespace: str, name: str, document: Any
    ) -> tuple[CanaryConfigRecord, bool]:
        if not isinstance(document, Mapping):
            raise InvalidInput(
                "the canary config must be a JSON object",
                [FieldProblem("body", "a Kayenta CanaryConfig")],
            )
        config = self.check(document)
        problems = []
        if config.name is not None and config.name != name:
            problems.append(FieldProblem("name", f'must be "{name}", the name in the path'))
        current = await self.store.get_canary_config(namespace=namespace, name=name)
        given_id = document.get("id")
        if given_id is not None and (
            not isinstance(given_id, str) or not CONFIG_ID.fullmatch(given_id)
        ):
            problems.append(FieldProblem("id", "1-64 letters, digits, '.', '_' or '-'"))
        elif current is not None and given_id not in (None, current.id):
            problems.append(FieldProblem("id", f'is "{current.id}" and cannot change'))
        if problems:
            raise InvalidInput("the canary config is invalid", problems)
        body = {k: v for k, v in config.to_json().items() if k not in SERVER_FIELDS}
        body["name"] = name
        new_id = given_id if isinstance(given_id, str) else str(uuid.uuid4())
        return await self.store.put_canary_config(
            namespace=namespace, name=name, body=body, new_id=new_id
        )

    async def get(self, namespace: str, name: str) -> CanaryConfigRecord:
        found = await self.store.get_canary_config(namespace=namespace, name=name)
        if found is None:
            raise NotFound(f'canary config "{name}" not found in namespace "{namespace}"')
        return found

    async def list(self, namespace: str | None) -> list[CanaryConfigRecord]:
        return await self.store.list_canary_configs(namespace=namespace)

    async def delete(self, namespace: str, name: str) -> None:
        if not await self.store.delete_canary_config(namespace=namespace, name=name):
            raise NotFound(f'canary config "{name}" not found in namespace "{namespace}"')

    async def by_id(self, config_id: str) -> CanaryConfigRecord | None:
        return await self.store.canary_config_by_id(config_id)
