"""Template queries: AnalysisTemplates and ClusterAnalysisTemplates by (kind, namespace, name),
each replacement bumping its resource version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import RowMapping

from app.store.base import StoreBase, dump, load, when
from app.store.records import TemplateRecord
from app.store.schema import templates

__all__ = ["TemplateQueries"]


def _template(row: RowMapping) -> TemplateRecord:
    return TemplateRecord(
        kind=row["kind"],
        namespace=row["namespace"],
        name=row["name"],
        body=load(row["body"], what=f"{row['kind']} {row['namespace']}/{row['name']}"),
        resource_version=row["resource_version"],
        created_at=when(row["created_at"]),
        updated_at=when(row["updated_at"]),
    )


class TemplateQueries(StoreBase):
    async def put_template(
        self, *, kind: str, namespace: str, name: str, body: Mapping[str, Any]
    ) -> tuple[TemplateRecord, bool]:
        """Create or replace; returns the record and whether it was created."""
        now = self._clock()
        key = and_(templates.c.kind == kind, templates.c.namespace == namespace)
        key = and_(key, templates.c.name == name)
        async with self._begin() as conn:
            current = (
                await conn.execute(select(templates.c.resource_version).where(key))
            ).scalar_one_or_none()
            if current is None:
                values = {"kind": kind, "namespace": namespace, "name": name}
                await conn.execute(
                    insert(templates).values(
                        **values,
                        body=dump(body),
                        resource_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                await conn.execute(
                    update(templates)
                    .where(key)
                    .values(body=dump(body), resource_version=current + 1, updated_at=now)
                )
            row = (await conn.execute(select(templates).where(key))).mappings().one()
        return _template(row), current is None

    async def get_template(self, *, kind: str, namespace: str, name: str) -> TemplateRecord | None:
        query = select(templates).where(
            templates.c.kind == kind, templates.c.namespace == namespace, templates.c.name == name
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else _template(row)

    async def list_templates(self, *, kind: str, namespace: str | None) -> list[TemplateRecord]:
        query = select(templates).where(templates.c.kind == kind)
        if namespace is not None:
            query = query.where(templates.c.namespace == namespace)
        query = query.order_by(templates.c.namespace, templates.c.name)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_template(row) for row in rows]

    async def delete_template(self, *, kind: str, namespace: str, name: str) -> bool:
        query = delete(templates).where(
            templates.c.kind == kind, templates.c.namespace == namespace, templates.c.name == name
        )
        async with self._begin() as conn:
            return (await conn.execute(query)).rowcount > 0
