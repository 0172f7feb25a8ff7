"""Canary config queries: Kayenta canary configs by (namespace, name), and by the id Kayenta's
API knows them by. A replacement keeps the id and bumps the resource version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict
from app.store.base import StoreBase, dump, load, when
from app.store.errors import IdTaken
from app.store.records import CanaryConfigRecord
from app.store.schema import canary_configs

__all__ = ["CanaryConfigQueries"]


def _config(row: RowMapping) -> CanaryConfigRecord:
    return CanaryConfigRecord(
        id=row["id"],
        namespace=row["namespace"],
        name=row["name"],
        body=load(row["body"], what=f"canary config {row['namespace']}/{row['name']}"),
        resource_version=row["resource_version"],
        created_at=when(row["created_at"]),
        updated_at=when(row["updated_at"]),
    )


class CanaryConfigQueries(StoreBase):
    async def put_canary_config(
        self, *, namespace: str, name: str, body: Mapping[str, Any], new_id: str
    ) -> tuple[CanaryConfigRecord, bool]:
        """Create (with `new_id`) or replace (keeping its id); returns the record and whether it
        was created. Raises IdTaken when another config already has `new_id`."""
        now = self._clock()
        key = (canary_configs.c.namespace == namespace) & (canary_configs.c.name == name)
        try:
            async with self._begin() as conn:
                current = (
                    await conn.execute(select(canary_configs.c.resource_version).where(key))
                ).scalar_one_or_none()
                if current is None:
                    await conn.execute(
                        insert(canary_configs).values(
                            id=new_id,
                            namespace=namespace,
                            name=name,
                            body=dump(body, what="a canary config"),
                            resource_version=1,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                else:
                    await conn.execute(
                        update(canary_configs)
                        .where(key)
                        .values(body=dump(body), resource_version=current + 1, updated_at=now)
                    )
                row = (await conn.execute(select(canary_configs).where(key))).mappings().one()
        except IntegrityError as exc:
            holder = await self.canary_config_by_id(new_id)
            if holder is not None and (holder.namespace, holder.name) != (namespace, name):
                raise IdTaken(f'another canary config has the id "{new_id}"') from exc
            raise Conflict(  # created by another request at the same moment
                f'canary config "{name}" was written by another request at the same time; '
                "send it again"
            ) from exc

        return _config(row), current is None

    async def get_canary_config(self, *, namespace: str, name: str) -> CanaryConfigRecord | None:
        query = select(canary_configs).where(
            canary_configs.c.namespace == namespace, canary_configs.c.name == name
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _config(row)

    async def canary_config_by_id(self, config_id: str) -> CanaryConfigRecord | None:
        query = select(canary_configs).where(canary_configs.c.id == config_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _config(row)

    async def list_canary_configs(self, *, namespace: str | None) -> list[CanaryConfigRecord]:
        """Of one namespace, or of all (`None`), by namespace and name."""
        query = select(canary_configs)
        if namespace is not None:
            query = query.where(canary_configs.c.namespace == namespace)
        query = query.order_by(canary_configs.c.namespace, canary_configs.c.name)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_config(row) for row in rows]

    async def delete_canary_config(self, *, namespace: str, name: str) -> bool:
        query = delete(canary_configs).where(
            canary_configs.c.namespace == namespace, canary_configs.c.name == name
        )
        async with self._begin() as conn:
            return (await conn.execute(query)).rowcount > 0
