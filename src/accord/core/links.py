"""The registry of labelled kinds: the one place where each app declares, once, what its
protected objects are called, where their labels are, and how people name them.

Why here: rule 4 says a reference to an object the reader may not read is not shown, not even
as an id, and the record of an act carries the labels of everything it names. Both need to
know, for any kind of object, how to read its label — without one app importing another's
models. The ledger combines the labels of the objects an act names through this registry; the
systematic leak suite (tests/security) builds its oracle from it, so a kind registered here is
probed without anyone editing the suite.

An app registers its kinds in its AppConfig.ready(). A kind may have several label paths
(a message is read through its own label and its channel's): the object is readable when
every one of them is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from accord.core.labels import PUBLIC, LabelValue, combine


@dataclass(frozen=True)
class Kind:
    """One linkable, labelled kind of object."""

    name: str  # "comms.message": app label + model name, as the ledger's subject types
    model_label: str  # "comms.Message"
    label_paths: tuple[str, ...]  # ORM paths to Label foreign keys; all must be readable
    process_path: str  # ORM path from the object to its Process
    title: Callable[[Model], str] = field(default=lambda obj: str(obj))
    url: Callable[[Model], str | None] | None = None
    # texts that identify an object to people (titles, bodies): the leak suite looks for them
    text_fields: tuple[str, ...] = ()
    # the app's own read door, where readability is more than the label paths (positions:
    # their label OR its mediation view); called as read(viewer) → queryset
    read: Callable | None = None

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)

    def of_process(self, process) -> QuerySet:
        return self.model.objects.filter(**{self.process_path: process})

    def readable(self, viewer) -> QuerySet:
        """The objects of this kind the viewer may read (through core.access)."""
        from accord.core import access

        if viewer.member is None:
            return self.model.objects.none()
        if self.read is not None:
            return self.read(viewer)
        ids = access.readable_label_ids(viewer)
        cond = Q()
        for path in self.label_paths:
            cond &= Q(**{f"{path}__in": ids})
        if self.name == "core.member":  # members always see their own membership
            cond |= Q(pk=viewer.member.pk)
        return self.of_process(viewer.process).filter(cond)

    def label_values(self, ids: Iterable[int]) -> list[LabelValue]:
        """The labels of the given objects (every label path of each), for combining."""
        from accord.core.models import Label

        wanted = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        if not wanted:
            return []
        label_ids: set[int] = set()
        for row in self.model.objects.filter(pk__in=wanted).values_list(*self.label_paths):
            label_ids.update(x for x in row if x is not None)
        return [lab.value for lab in Label.objects.filter(pk__in=label_ids)]


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Declare a kind (once, from the owning app's ready())."""
    _kinds[kind.name] = kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind(name: str) -> Kind | None:
    return _kinds.get(name)


def kind_of(model: type[Model] | Model) -> Kind | None:
    """The registered kind of a model (class or instance), if any."""
    return _kinds.get(model._meta.label_lower)


def refs_label(refs: Iterable[tuple[str, Iterable[int]]]) -> LabelValue:
    """The combined label of the objects named by (kind name, ids) pairs (PUBLIC if none)."""
    values: list[LabelValue] = []
    for name, ids in refs:
        k = _kinds.get(name)
        if k is not None:
            values += k.label_values(list(ids))
    return combine(values) if values else PUBLIC


def visible_ids(viewer, name: str, ids: Iterable[int]) -> set[int]:
    """Which of these objects of one kind the viewer may read (unknown ids are not)."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    k = _kinds.get(name)
    if not wanted or k is None:
        return set()
    return set(k.readable(viewer).filter(pk__in=wanted).values_list("pk", flat=True))


# --- links across apps ------------------------------------------------------------------------
@dataclass(frozen=True)
class Linked:
    """One end of a link, as a reader may see it: only built for objects they may read."""

    link_id: int
    kind: str
    id: int
    relation: str
    title: str
    url: str | None
    obj: Model


def resolve(viewer, name: str, obj_id: int) -> Model | None:
    """The object of a kind the viewer may read, or None (unknown, unreadable: the same)."""
    k = _kinds.get(name)
    if k is None or viewer.member is None:
        return None
    return k.readable(viewer).filter(pk=obj_id).first()


def _ends(viewer, rows, kind_attr: str, id_attr: str) -> list[Linked]:
    by_kind: dict[str, set[int]] = {}
    for row in rows:
        by_kind.setdefault(getattr(row, kind_attr), set()).add(getattr(row, id_attr))
    objs: dict[tuple[str, int], Model] = {}
    for name, ids in by_kind.items():
        k = _kinds.get(name)
        if k is None:
            continue
        for obj in k.readable(viewer).filter(pk__in=ids):
            objs[(name, obj.pk)] = obj
    out = []
    for row in rows:
        key = (getattr(row, kind_attr), getattr(row, id_attr))
        obj = objs.get(key)
        if obj is None:  # unreadable or gone: not shown, not counted
            continue
        k = _kinds[key[0]]
        out.append(
            Linked(
                row.pk,
                key[0],
                key[1],
                row.relation,
                k.title(obj),
                k.url(obj) if k.url else None,
                obj,
            )
        )
    return out


def targets(viewer, source: Model, relation: str | None = None) -> list[Linked]:
    """What an object links to, that the viewer may read (the source itself must be readable)."""
    from accord.core.models import Link

    k = kind_of(source)
    if k is None or viewer.member is None or resolve(viewer, k.name, source.pk) is None:
        return []
    rows = Link.objects.filter(from_kind=k.name, from_id=source.pk).order_by("pk")
    if relation:
        rows = rows.filter(relation=relation)
    return _ends(viewer, list(rows), "to_kind", "to_id")


def sources(
    viewer, target: Model, relation: str | None = None, kinds_: Iterable[str] = ()
) -> list[Linked]:
    """What links to an object, that the viewer may read (the target itself must be readable)."""
    from accord.core.models import Link

    k = kind_of(target)
    if k is None or viewer.member is None or resolve(viewer, k.name, target.pk) is None:
        return []
    rows = Link.objects.filter(to_kind=k.name, to_id=target.pk).order_by("pk")
    if relation:
        rows = rows.filter(relation=relation)
    if kinds_:
        rows = rows.filter(from_kind__in=list(kinds_))
    return _ends(viewer, list(rows), "from_kind", "from_id")


def linkable(viewer, names: Iterable[str], limit: int = 200) -> list[tuple[str, int, str]]:
    """(kind, id, title) of objects of these kinds the viewer may read: choices for a link form."""
    out = []
    for name in names:
        k = _kinds.get(name)
        if k is None:
            continue
        for obj in k.readable(viewer).order_by("-pk")[:limit]:
            out.append((name, obj.pk, k.title(obj)))
    return out
