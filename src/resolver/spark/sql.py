"""resolver's SQL, written once in DuckDB's dialect, run on Spark: transpiled by sqlglot (which
splink uses too), plus the few rewrites where the two engines differ in meaning.

Rewrites: ``hash`` -> ``xxhash64`` (both 64-bit; Spark's ``hash`` is 32-bit and would merge
blocks at scale); ``list_sum`` -> ``aggregate`` (a sum in list order, as DuckDB's); ``list[i]`` -> ``try_element_at`` and ``list[a:b]`` -> ``slice`` (1-based, NULL
out of range as in DuckDB, also under Spark's ANSI mode); ``t.* EXCLUDE (...)`` -> the table's
other columns; and each resolver table name -> its Spark view (unique per run).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import sqlglot
from sqlglot import exp

log = logging.getLogger(__name__)


def to_spark_sql(sql: str, views: Mapping[str, str], columns_of: Callable[[str], list[str]]) -> str:
    """``sql`` (DuckDB dialect) in Spark's dialect; ``views`` maps table names to Spark views,
    ``columns_of(view)`` lists a view's columns (to expand ``EXCLUDE``)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(lambda node: _rewrite(node, views, columns_of))
    return tree.sql(dialect="spark")


def _rewrite(node: exp.Expression, views: Mapping[str, str], columns_of) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
        return exp.Anonymous(this="XXHASH64", expressions=node.expressions)
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "list_sum":
        total = sqlglot.parse_one(
            "aggregate(_list, CAST(0.0 AS DOUBLE), (acc, v) -> acc + v)", read="spark"
        )
        return total.transform(
            lambda n: (
                node.expressions[0].copy() if isinstance(n, exp.Column) and n.name == "_list" else n
            )
        )
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Slice):  # DuckDB's [a:b] is 1-based and inclusive
            start, end = index.this, index.expression
            length = exp.Add(
                this=exp.Sub(this=end.copy(), expression=start.copy()),
                expression=exp.Literal.number(1),
            )
            return exp.Anonymous(this="SLICE", expressions=[node.this, start, length])
        # sqlglot holds the index 0-based; try_element_at counts from 1 and gives NULL beyond
        position = exp.Add(this=index.copy(), expression=exp.Literal.number(1))
        if isinstance(index, exp.Literal):
            position = exp.Literal.number(int(index.this) + 1)
        return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[node.this, position])
    if isinstance(node, exp.Table) and node.name in views:
        renamed = exp.to_table(views[node.name])
        renamed.set(
            "alias", node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name))
        )
        return renamed
    if isinstance(node, exp.Select):
        _expand_excluding_stars(node, views, columns_of)
    return node


def _expand_excluding_stars(select: exp.Select, views: Mapping[str, str], columns_of) -> None:
    """``p.* EXCLUDE (a, b)`` -> ``p.c1, p.c2, ...`` from the columns of the view ``p`` names."""
    aliases = {}
    for table in select.find_all(exp.Table):
        if table.parent_select is select and table.name in views:
            aliases[table.alias_or_name] = views[table.name]
    items = []
    for item in select.expressions:
        star = item.this if isinstance(item, exp.Column) else None
        excluded = star.args.get("except_") if isinstance(star, exp.Star) else None
        if not excluded or item.table not in aliases:
            items.append(item)
            continue
        drop = {c.name for c in excluded}
        items += [
            exp.column(c, table=item.table)
            for c in columns_of(aliases[item.table])
            if c not in drop
        ]
    select.set("expressions", items)


class SparkSql:
    """``SqlRunner`` on Spark: each table is written as Parquet under ``work_dir`` and read back
    as a temp view, which cuts the lineage (no recomputation) and spills to disk, not memory."""

    def __init__(self, session: Any, work_dir: str):
        self.session, self.work_dir = session, work_dir
        self.tag = secrets.token_hex(4)
        self.views: dict[str, str] = {}

    def _columns(self, view: str) -> list[str]:
        return self.session.table(view).columns

    def transpile(self, sql: str) -> str:
        return to_spark_sql(sql, self.views, self._columns)

    def put(self, name: str, frame: Any) -> Any:
        """Materialize a Spark DataFrame as table ``name``; returns the table's DataFrame."""
        path = f"{self.work_dir}/{name}"
        frame.write.mode("overwrite").parquet(path)
        view = f"{name}_{self.tag}"
        table = self.session.read.parquet(path)
        table.createOrReplaceTempView(view)
        self.views[name] = view
        return table

    def alias(self, name: str, frame: Any) -> None:
        """Make a DataFrame readable as table ``name`` without writing it (it is already cheap
        to compute: a join of materialized tables)."""
        view = f"{name}_{self.tag}"
        frame.createOrReplaceTempView(view)
        self.views[name] = view

    def create(self, name: str, select: str) -> None:
        self.put(name, self.query(select))

    def query(self, select: str) -> Any:
        """``select`` as a (lazy) Spark DataFrame."""
        return self.session.sql(self.transpile(select))

    def rows(self, select: str) -> list[tuple]:
        return [tuple(row) for row in self.query(select).collect()]

    def table(self, name: str) -> Any:
        return self.session.table(self.views[name])

    def drop(self, *names: str) -> None:
        from resolver.spark.session import delete_path

        for name in names:
            view = self.views.pop(name, None)
            if view is not None:
                self.session.catalog.dropTempView(view)
                delete_path(self.session, f"{self.work_dir}/{name}")  # nothing for an alias
