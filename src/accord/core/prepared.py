"""Prepared reads: a queryset's SQL built by the ORM once, then run with new values.

Why: building SQL is most of what a small ORM read costs here — ≈ 1 ms to compile a
one-row lookup with a few joins on this project's 2-core machine, against ≈ 40 µs to run the
same SQL. The reads on the hot paths (the API token, the member and their roles, the channel
of a post, the messages of a live burst) run hundreds of times a second with the same shape,
so each is written once as an ordinary queryset and compiled once per shape.

A `Prepared` read is built by a function of its arguments. It is compiled with stand-in
values whose positions are found in the compiled parameters; every later call puts the real
values there, runs the SQL through Django's cursor (so query logging, test assertions on
query counts and error wrapping behave as for any query), applies the fields' converters and
builds instances exactly as `ModelIterable` does (select_related included). List arguments
(`pk__in=ids`) are compiled per size, rounded up to a power of two and padded with their last
value, so a handful of shapes serve every burst.

Only plain values may be arguments (ints, strings, lists of ints): the kind of lookups the
hot paths use. Anything else — or a queryset whose SQL does not carry a stand-in verbatim —
is refused when the read is first compiled, never answered wrongly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_INT_BASE = -(2**62) + 7_919  # far from any id, count or flag a query could hold itself
_STR_MARK = "\x1eaccord-prepared-"


def _bucket(n: int) -> int:
    size = 1
    while size < n:
        size *= 2
    return size


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    slots: list[tuple[int, int, int]]  # (param index, argument index, element index or -1)
    converters: list[tuple[int, list, Any]]
    model: Any  # model class of the rows, or None for value rows
    init_list: list[str]
    start: int
    end: int
    populators: list
    columns: int


class Prepared:
    """A read compiled once per shape of its arguments; see the module docstring."""

    def __init__(self, build: Callable[..., QuerySet], *, using: str = "default") -> None:
        self.build = build
        self.using = using
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    # --- compiling ----------------------------------------------------------------------------
    @staticmethod
    def _shape(args: Sequence[Any]) -> tuple:
        shape = []
        for a in args:
            if isinstance(a, bool) or not isinstance(a, int | str | list | tuple):
                raise TypeError(f"a prepared read takes ints, strings or lists of ints, not {a!r}")
            if isinstance(a, list | tuple):
                if not all(isinstance(x, int) and not isinstance(x, bool) for x in a):
                    raise TypeError("a list argument of a prepared read holds ints only")
                shape.append(("list", _bucket(len(a))))
            else:
                shape.append((type(a).__name__, 0))
        return tuple(shape)

    def _compile(self, shape: tuple) -> _Compiled:
        stand_ins: list[Any] = []
        where: dict[Any, tuple[int, int]] = {}
        n = 0
        for i, (kind, size) in enumerate(shape):
            if kind == "list":
                items = []
                for j in range(size):
                    value = _INT_BASE + n
                    n += 1
                    where[value] = (i, j)
                    items.append(value)
                stand_ins.append(items)
            else:
                value = _INT_BASE + n if kind == "int" else f"{_STR_MARK}{n}"
                n += 1
                where[value] = (i, -1)
                stand_ins.append(value)
        qs = self.build(*stand_ins)
        db = self.using
        compiler = qs.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for k, p in enumerate(params):
            if isinstance(p, int | str) and not isinstance(p, bool) and p in where:
                slots.append((k, *where.pop(p)))
        if where:
            raise ValueError(
                "prepared read: an argument does not reach the SQL as a plain parameter"
            )
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = [
            (pos, convs, expr) for pos, (convs, expr) in compiler.get_converters(fields).items()
        ]
        info = compiler.klass_info
        model = init_list = populators = None
        start = end = 0
        if info is not None and qs._iterable_class.__name__ == "ModelIterable":
            model = info["model"]
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = [f[0].target.attname for f in compiler.select[start:end]]
            populators = get_related_populators(info, compiler.select, db)
        return _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            converters=converters,
            model=model,
            init_list=init_list or [],
            start=start,
            end=end,
            populators=populators or [],
            columns=compiler.col_count,
        )

    def _get(self, args: Sequence[Any]) -> _Compiled:
        shape = self._shape(args)
        found = self._compiled.get(shape)
        if found is None:
            with self._lock:
                found = self._compiled.get(shape) or self._compile(shape)
                self._compiled[shape] = found
        return found

    # --- running ------------------------------------------------------------------------------
    def rows(self, *args: Any, convert: bool = True) -> list:
        """The converted rows (one list per row), as a values_list queryset would give them;
        `convert=False` gives the database's own values (e.g. JSON as text: cheaper to compare
        than to decode)."""
        if any(isinstance(a, list | tuple) and not a for a in args):
            return []  # an empty IN matches nothing
        return self._run(self._get(args), args, convert)

    def _run(self, c: _Compiled, args: Sequence[Any], convert: bool = True) -> list:
        params = list(c.params)
        for k, i, j in c.slots:
            a = args[i]
            params[k] = a if j < 0 else a[min(j, len(a) - 1)]
        conn = connections[self.using]
        with conn.cursor() as cur:
            cur.execute(c.sql, params)
            raw = cur.fetchall()
        if not convert:
            return raw
        out = []
        for row in raw:
            row = list(row[: c.columns])
            for pos, convs, expr in c.converters:
                value = row[pos]
                for conv in convs:
                    value = conv(value, expr, conn)
                row[pos] = value
            out.append(row)
        return out

    def all(self, *args: Any) -> list:
        """Model instances (with their select_related objects), or value rows as tuples."""
        if any(isinstance(a, list | tuple) and not a for a in args):
            return []
        c = self._get(args)
        rows = self._run(c, args)
        if c.model is None:
            return [tuple(r) for r in rows]
        out = []
        for row in rows:
            obj = c.model.from_db(self.using, c.init_list, row[c.start : c.end])
            for pop in c.populators:
                pop.populate(row, obj)
            out.append(obj)
        return out

    def first(self, *args: Any):
        """The first instance or row, or None."""
        found = self.all(*args)
        return found[0] if found else None


def prefetched(obj: Any, name: str, rows: list) -> None:
    """Give `obj.<name>.all()` these rows without a query, as prefetch_related would."""
    qs = getattr(obj, name).get_queryset()
    qs._result_cache = rows
    qs._prefetch_done = True
    cache = getattr(obj, "_prefetched_objects_cache", None)
    if cache is None:
        cache = obj._prefetched_objects_cache = {}
    cache[name] = qs


def insert(objs: Sequence[Any], *, using: str = "default") -> None:
    """INSERT rows of one model in one statement and set their primary keys — what
    `bulk_create` does (values prepared by their fields, ids from RETURNING, in order), without
    building the statement through the ORM's compiler, which cost ≈ 2 ms per batch of posts."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    conn = connections[using]
    q = conn.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    cols = ", ".join(q(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [f.get_db_prep_save(f.pre_save(obj, True), conn) for obj in objs for f in fields]
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({cols}) VALUES "  # noqa: S608 (quoted identifiers)
        + ", ".join([row] * len(objs))
        + f" RETURNING {q(meta.pk.column)}"
    )
    with conn.cursor() as cur:
        cur.execute(sql, params)
        ids = cur.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
