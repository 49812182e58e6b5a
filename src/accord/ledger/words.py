"""Recorded acts in words, for people: "Ingrid Dahl recorded a stance on clause 2.1 of …".

The timeline and the dashboard's recent activity show each act as a sentence, not as an action
code and a subject type. One table below says, for every action that a service records (grep
`record(` in src/accord), what the act did and which object it is about. The rules of the house
hold for the sentence as for any other read:

- the actor is named through `core.people` ("a member not shown" when their membership is
  hidden from the reader);
- the object an act is about is named and linked through the registry of labelled kinds
  (`core.links`), and only when the reader may read it: otherwise the sentence leaves it out —
  no link, no title, no id;
- runs of the same act by the same actor on the same object are one line ("Lena Haas added
  17 statements to the consultation …").

Every entry handed to `lines()` must already be readable by the viewer (`ledger.queries`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accord.core import links, people
from accord.core.access import Viewer
from accord.core.labels import LabelValue
from accord.core.models import Label, Member, Party
from accord.core.roles import Role
from accord.ledger import queries
from accord.ledger.models import Entry

SYSTEM_NAMES = {"system", ""}
ANONYMOUS_NAME = "anonymous participant"  # consult.services.ANONYMOUS: votes are not attributed
Anchor = tuple[str, int]  # (kind name, object id): what a sentence names


def _state(e: Entry) -> dict:
    payload = e.payload if isinstance(e.payload, dict) else {}
    state = payload.get("state")
    return state if isinstance(state, dict) else {}


def _payload(e: Entry) -> dict:
    return e.payload if isinstance(e.payload, dict) else {}


def _id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _subject(e: Entry) -> Anchor | None:
    oid = _id(e.subject_id)
    return None if oid is None else (e.subject_type, oid)


def _from_state(kind: str, name: str) -> Callable[[Entry], Anchor | None]:
    def get(e: Entry) -> Anchor | None:
        oid = _id(_state(e).get(name))
        return None if oid is None else (kind, oid)

    return get


def _from_payload(kind: str, name: str) -> Callable[[Entry], Anchor | None]:
    def get(e: Entry) -> Anchor | None:
        oid = _id(_payload(e).get(name))
        return None if oid is None else (kind, oid)

    return get


@dataclass(frozen=True)
class Words:
    """How one action reads. `one` and `many` are sentences after the actor; `{t}` is the
    object the act is about (linked when it has a page), `{n}` the number of acts in a run,
    and any other `{name}` comes from `details`. A part in [brackets] is said only when the
    reader may read the object, otherwise it is left out; [with it|without it] says
    something else instead."""

    one: str
    many: str
    anchor: Callable[[Entry], Anchor | None] = _subject
    details: Callable[[Entry, Context], dict[str, str]] | None = None


# --- details some sentences need (each read only when the entry is readable) -------------------
FIELD_WORDS = {
    "clearance": "clearance",
    "caveats": "caveats",
    "title": "title",
    "active": "status",
    "label": "label",
    "name": "name",
    "description": "description",
    "status": "stage",  # of the process ("active", "concluded" …); a member's is "active"
    "kind": "kind",
}


def _and(words: list[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _changed(e: Entry, ctx: Context) -> dict[str, str]:
    changed = _payload(e).get("changed") or []
    names = list(changed) if isinstance(changed, dict | list) else []
    words = sorted({FIELD_WORDS.get(str(n), str(n).replace("_", " ")) for n in names})
    return {"fields": _and(words) or "details"}


def _role(e: Entry, ctx: Context) -> dict[str, str]:
    raw = str(_payload(e).get("role") or _state(e).get("role") or "")
    try:
        return {"role": Role(raw).title.lower()}
    except ValueError:
        return {"role": "a role"}


def _party(e: Entry, ctx: Context) -> dict[str, str]:
    party = ctx.party(_id(_state(e).get("party")))
    return {"party": party.name if party else "a party"}


def _status(e: Entry, ctx: Context) -> dict[str, str]:
    from accord.negotiation.models import Issue

    raw = str(_payload(e).get("to") or "")
    return {"status": str(dict(Issue.Status.choices).get(raw, raw.replace("_", " "))).lower()}


def _version(e: Entry, ctx: Context) -> dict[str, str]:
    p = _payload(e)
    number = p.get("number", p.get("version"))
    return {"version": str(number) if isinstance(number, int) else "a new"}


def _votes(e: Entry, ctx: Context) -> dict[str, str]:
    p = _payload(e)
    return {
        "participants": _count(p.get("participants"), "participant"),
        "votes": _count(p.get("votes"), "vote"),
    }


def _ballots(e: Entry, ctx: Context) -> dict[str, str]:
    return {"statements": _count(len(_payload(e).get("statements") or []), "statement")}


def _recipient(e: Entry, ctx: Context) -> dict[str, str]:
    return {"recipient": ctx.person_name(_id(_payload(e).get("recipient")))}


def _count(n: object, noun: str) -> str:
    if not isinstance(n, int) or isinstance(n, bool):
        return f"some {noun}s"
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _clause_anchor(e: Entry) -> Anchor | None:
    oid = _id(_state(e).get("clause") or _payload(e).get("clause"))
    if oid is None and e.subject_type == "negotiation.clause":
        oid = _id(e.subject_id)
    return None if oid is None else ("negotiation.clause", oid)


def _amendment_anchor(e: Entry) -> Anchor | None:
    return _clause_anchor(e) or _from_state("negotiation.document", "document")(e)


def _position_issue(e: Entry) -> Anchor | None:
    return _from_payload("negotiation.issue", "issue")(e)


def _release_issue(e: Entry) -> Anchor | None:
    return _from_payload("negotiation.position", "position")(e)


def _comment_anchor(e: Entry) -> Anchor | None:
    return _from_payload("negotiation.amendment", "amendment")(e)


def _process(e: Entry) -> Anchor | None:
    return ("core.process", 0)


def _member(e: Entry) -> Anchor | None:
    return _from_payload("core.member", "member")(e)


def _message_channel(e: Entry) -> Anchor | None:
    return _from_state("comms.channel", "channel")(e)


def _via_message(e: Entry) -> Anchor | None:
    return _from_state("comms.message", "message")(e)


# Every action a service records in a process log (system-log acts never reach a process page).
ACTIONS: dict[str, Words] = {
    "process.create": Words("created the process[ {t}]", "created {n} processes", _process),
    "process.update": Words(
        "changed the {fields} of the process", "changed the process {n} times", _process, _changed
    ),
    "party.create": Words("added the party[ {t}]", "added {n} parties"),
    "party.update": Words(
        "changed the {fields} of the party[ {t}]", "changed {n} parties", details=_changed
    ),
    "member.add": Words("added[ {t}] to the process", "added {n} members to the process"),
    "member.update": Words(
        "changed the {fields} of[ {t}]", "changed {n} memberships", details=_changed
    ),
    "member.relabel": Words(
        "changed the label of the membership of[ {t}]", "changed the labels of {n} memberships"
    ),
    "member.mfa_reset": Words("reset the second factor of[ {t}]", "reset {n} second factors"),
    "role.assume": Words("gave[ {t}] the role {role}", "gave[ {t}] {n} roles", _member, _role),
    "role.renounce": Words(
        "ended the role {role}[ of {t}]", "ended {n} roles[ of {t}]", _member, _role
    ),
    "channel.create": Words("opened the channel[ {t}]", "opened {n} channels"),
    "comms.handling": Words(
        "changed the deadlines for acknowledging urgent messages",
        "changed the acknowledgement deadlines {n} times",
        _process,
    ),
    "message.post": Words(
        "posted a message[ in {t}]", "posted {n} messages[ in {t}]", _message_channel
    ),
    "message.edit": Words(
        "edited a message[ in {t}]", "edited messages {n} times[ in {t}]", _message_channel
    ),
    "message.delete": Words(
        "deleted a message[ in {t}]", "deleted {n} messages[ in {t}]", _message_channel
    ),
    "message.ack": Words(
        "acknowledged [a {t}|a message]", "acknowledged {n} messages", _via_message
    ),
    "message.escalate": Words(
        "escalated [a {t}|a message] to {recipient}",
        "escalated {n} unacknowledged messages",
        _via_message,
        _recipient,
    ),
    "attachment.add": Words(
        "attached a file to [a {t}|a message]",
        "attached {n} files to [a {t}|a message]",
        _via_message,
    ),
    "issue.create": Words("put the agenda issue[ {t}] on the agenda", "added {n} agenda issues"),
    "issue.status": Words(
        "marked the agenda issue[ {t}] as {status}",
        "changed the status of {n} agenda issues",
        details=_status,
    ),
    "position.state": Words(
        "stated the position of {party}[ on {t}]",
        "stated positions {n} times[ on {t}]",
        _position_issue,
        _party,
    ),
    "position.release": Words(
        "released a position[ on {t}]", "released {n} positions", _release_issue
    ),
    "document.create": Words("opened the negotiating text[ {t}]", "opened {n} negotiating texts"),
    "text.version": Words(
        "made version {version}[ of {t}]",
        "made {n} versions[ of {t}]",
        _from_payload("negotiation.document", "document"),
        _version,
    ),
    "clause.issues": Words(
        "linked agenda issues to[ {t}]",
        "linked agenda issues to clauses {n} times",
        _clause_anchor,
    ),
    "text.stance": Words("recorded a stance on[ {t}]", "recorded {n} stances", _clause_anchor),
    "amendment.propose": Words(
        "proposed an amendment to[ {t}]", "proposed {n} amendments", _amendment_anchor
    ),
    "amendment.comment": Words(
        "commented on[ {t}]", "commented {n} times[ on {t}]", _comment_anchor
    ),
    "amendment.accepted": Words(
        "accepted an amendment to[ {t}]", "accepted {n} amendments", _amendment_anchor
    ),
    "amendment.rejected": Words(
        "rejected an amendment to[ {t}]", "rejected {n} amendments", _amendment_anchor
    ),
    "text.sign": Words(
        "signed version {version}[ of {t}]",
        "signed {n} versions[ of {t}]",
        _from_payload("negotiation.document", "document"),
        _version,
    ),
    "analysis.run": Words("ran [the {t}|an analysis]", "ran {n} analyses"),
    "analysis.release": Words(
        "released [the {t}|an analysis] to more parties", "released {n} analyses"
    ),
    "consult.create": Words("opened the consultation[ {t}]", "opened {n} consultations"),
    "consult.statement": Words(
        "added a statement to the consultation[ {t}]",
        "added {n} statements to the consultation[ {t}]",
        _from_payload("consult.consultation", "consultation"),
    ),
    "consult.vote": Words(
        "voted on {statements}[ in the consultation {t}]",
        "voted {n} times[ in the consultation {t}]",
        details=_ballots,
    ),
    "consult.import": Words(
        "imported the votes of {participants}[ into the consultation {t}]",
        "imported votes {n} times[ into the consultation {t}]",
        details=_votes,
    ),
    "consult.close": Words("closed the consultation[ {t}]", "closed {n} consultations"),
}

# What each action is called in the timeline's filter (a noun phrase)
ACTION_NAMES = {
    "process.create": "Process created",
    "process.update": "Process changed",
    "party.create": "Party added",
    "party.update": "Party changed",
    "member.add": "Member added",
    "member.update": "Membership changed",
    "member.relabel": "Membership relabelled",
    "member.mfa_reset": "Second factor reset",
    "role.assume": "Role given",
    "role.renounce": "Role ended",
    "channel.create": "Channel opened",
    "comms.handling": "Acknowledgement deadlines changed",
    "message.post": "Message posted",
    "message.edit": "Message edited",
    "message.delete": "Message deleted",
    "message.ack": "Message acknowledged",
    "message.escalate": "Message escalated",
    "attachment.add": "File attached",
    "issue.create": "Agenda issue added",
    "issue.status": "Agenda issue status changed",
    "position.state": "Position stated",
    "position.release": "Position released",
    "document.create": "Negotiating text opened",
    "text.version": "Version of a text made",
    "clause.issues": "Agenda issues linked to a clause",
    "text.stance": "Stance recorded",
    "amendment.propose": "Amendment proposed",
    "amendment.comment": "Amendment commented on",
    "amendment.accepted": "Amendment accepted",
    "amendment.rejected": "Amendment rejected",
    "text.sign": "Text signed",
    "analysis.run": "Analysis run",
    "analysis.release": "Analysis released",
    "consult.create": "Consultation opened",
    "consult.statement": "Statement added",
    "consult.vote": "Votes cast",
    "consult.import": "Votes imported",
    "consult.close": "Consultation closed",
}


def action_name(action: str) -> str:
    """What an action is called for people (its dotted code, spelled out, if it is new)."""
    return ACTION_NAMES.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


def fallback(action: str) -> Words:
    """An action added later without words here: still a sentence, never a bare code."""
    name = action.replace(".", " ").replace("_", " ")
    return Words(f"recorded an act ({name})[ on {{t}}]", f"recorded {{n}} acts ({name})")


# --- resolving what sentences name, for one reader, in a few queries --------------------------
@dataclass
class Target:
    """An object a sentence names, as this reader may see it."""

    title: str
    url: str | None = None


class Context:
    """What the sentences of one page need, fetched once per kind (not once per entry)."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self._members: dict[int, Member] = {}
        self._by_user: dict[int, Member] = {}
        self._parties: dict[int, Party] | None = None
        self._targets: dict[Anchor, Target | None] = {}
        self._clause_numbers: dict[int, dict[int, str]] = {}

    # people ---------------------------------------------------------------------------------
    def load_members(self, user_ids: Iterable[int], member_ids: Iterable[int]) -> None:
        users = {u for u in user_ids if u is not None} - set(self._by_user)
        mids = {m for m in member_ids if m is not None} - set(self._members)
        if not users and not mids:
            return
        from django.db.models import Q

        qs = Member.objects.filter(process=self.viewer.process).filter(
            Q(user_id__in=users) | Q(pk__in=mids)
        )
        for m in qs.select_related("user", "party", "process"):
            self._members[m.pk] = m
            self._by_user[m.user_id] = m

    def member_of_user(self, user_id: int | None) -> Member | None:
        return None if user_id is None else self._by_user.get(user_id)

    def person_name(self, member_id: int | None) -> str:
        member = self._members.get(member_id) if member_id is not None else None
        if member is None:
            return people.HIDDEN_NAME
        p = people.person(self.viewer, member)
        return p.name if p is not None else people.HIDDEN_NAME

    def party(self, party_id: int | None) -> Party | None:
        if self._parties is None:  # parties are public within the process
            self._parties = {p.pk: p for p in Party.objects.filter(process=self.viewer.process)}
        return self._parties.get(party_id) if party_id is not None else None

    # objects --------------------------------------------------------------------------------
    def load_targets(self, anchors: Iterable[Anchor]) -> None:
        wanted: dict[str, set[int]] = {}
        for kind, oid in anchors:
            if (kind, oid) not in self._targets:
                wanted.setdefault(kind, set()).add(oid)
        for kind, ids in wanted.items():
            for oid in ids:
                self._targets[(kind, oid)] = None  # unreadable or unknown unless found below
            if kind == "core.process":
                proc = self.viewer.process
                url = reverse("ui:dashboard", args=[proc.slug])
                self._targets[(kind, 0)] = Target(proc.name, url)
            elif kind == "core.party":
                for oid in ids:
                    party = self.party(oid)
                    if party is not None:
                        self._targets[(kind, oid)] = Target(party.name)
            elif kind == "core.member":
                self.load_members((), ids)
                for oid in ids:
                    if oid in self._members:
                        self._targets[(kind, oid)] = Target(self.person_name(oid))
            else:
                self._load_kind(kind, ids)

    def _load_kind(self, name: str, ids: set[int]) -> None:
        kind = links.kind(name)
        if kind is None:
            return
        # the registry's read door decides; titles and URLs come from the registry too
        qs: QuerySet = kind.readable(self.viewer).filter(pk__in=ids).select_related()
        for obj in qs:
            if name == "negotiation.clause":
                target = self._clause(obj)
            elif name in ("negotiation.amendment", "negotiation.position"):
                target = self._via_parent(obj, name)
            else:
                url = kind.url(obj) if kind.url is not None else None
                title = kind.title(obj)
                if name == "negotiation.analysisrun":  # its registry title is an id
                    title = f"{obj.get_kind_display()} analysis"
                target = Target(title, url)
            self._targets[(name, obj.pk)] = target

    def _clause(self, clause) -> Target:
        """ "clause 2.1 of <text>", numbered as in the text's latest version."""
        doc = clause.document
        numbers = self._clause_numbers.get(doc.pk)
        if numbers is None:
            from accord.negotiation import queries as negotiation

            view = negotiation.text(self.viewer, doc)
            numbers = {c.clause_id: c.number for a in view.articles for c in a.clauses}
            self._clause_numbers[doc.pk] = numbers
        kind = links.kind("negotiation.clause")
        url = kind.url(clause) if kind and kind.url else None
        number = numbers.get(clause.pk)
        what = f"clause {number}" if number else "a clause no longer in the text"
        return Target(f"{what} of {doc.title}", url)

    def _via_parent(self, obj, name: str) -> Target:
        """Amendments name their text, positions their agenda issue (those have pages)."""
        if name == "negotiation.amendment":
            if obj.clause_id is not None:
                return self._clause(obj.clause)
            parent = ("negotiation.document", obj.document_id)
            title = f"{obj.document.title}"
        else:
            parent = ("negotiation.issue", obj.issue_id)
            title = obj.issue.title
        self.load_targets([parent])
        found = self._targets.get(parent)
        return found or Target(title)

    def target(self, anchor: Anchor | None) -> Target | None:
        return None if anchor is None else self._targets.get(anchor)

    def url_of(self, anchor: Anchor | None) -> str | None:
        t = self.target(anchor)
        return t.url if t else None


# --- lines -----------------------------------------------------------------------------------
@dataclass
class Line:
    """One line of activity: one act, or a run of the same act by the same actor."""

    entries: list[Entry]
    actor: Member | None  # a member of the process, shown with {% person %}
    actor_text: str  # for everyone else: "Accord", "A participant", "An operator"
    sentence: SafeString  # after the actor, with the object linked where it may be
    plain: str  # the whole sentence as text (actor included), for titles and tests
    labels: list[LabelValue] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def newest(self) -> Entry:
        return self.entries[0]

    @property
    def oldest(self) -> Entry:
        return self.entries[-1]

    @property
    def time(self) -> datetime | None:
        return parse_time(self.newest.time)

    @property
    def first_time(self) -> datetime | None:
        return parse_time(self.oldest.time)

    @property
    def seqs(self) -> str:
        """ "57", or "40–56" for a run (acts are numbered in the process's record)."""
        lo, hi = self.oldest.seq, self.newest.seq
        return f"{lo:,}" if lo == hi else f"{min(lo, hi):,}–{max(lo, hi):,}"


def parse_time(iso: str) -> datetime | None:
    """An entry's ISO 8601 time as an aware datetime (None if it is not one)."""
    try:
        return datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None


BRACKET = re.compile(r"\[([^\[\]]*)\]")


def _render(template: str, target: Target | None, values: dict[str, str]) -> tuple[str, str]:
    """(html, text) of a sentence: the bracketed part only with a readable target."""

    def fill(part: str, html: bool) -> str:
        out = []
        for piece in re.split(r"(\{\w+\})", part):
            m = re.fullmatch(r"\{(\w+)\}", piece)
            if not m:
                out.append(conditional_escape(piece) if html else piece)
                continue
            key = m.group(1)
            if key == "t":
                title = target.title if target else ""
                if html and target and target.url:
                    out.append(
                        format_html('<a class="usa-link" href="{}">{}</a>', target.url, title)
                    )
                else:
                    out.append(conditional_escape(title) if html else title)
            else:
                value = values.get(key, "")
                out.append(conditional_escape(value) if html else value)
        return "".join(out)

    def expand(html: bool) -> str:
        pieces, pos = [], 0
        for m in BRACKET.finditer(template):
            pieces.append(fill(template[pos : m.start()], html))
            shown, _, hidden = m.group(1).partition("|")
            pieces.append(fill(shown if target is not None else hidden, html))
            pos = m.end()
        pieces.append(fill(template[pos:], html))
        return "".join(pieces)

    return expand(True), expand(False)


def _actor_key(e: Entry) -> object:
    return e.actor_id if e.actor_id is not None else e.actor_name


def lines(viewer: Viewer, entries: Iterable[Entry]) -> list[Line]:
    """The entries (newest first, each readable by the viewer) as sentences, runs grouped."""
    entries = list(entries)
    ctx = Context(viewer)
    words = [ACTIONS.get(e.action) or fallback(e.action) for e in entries]
    anchors = [w.anchor(e) for w, e in zip(words, entries, strict=True)]
    member_ids = [_id(_payload(e).get("recipient")) for e in entries]
    ctx.load_members((e.actor_id for e in entries), member_ids)
    ctx.load_targets(a for a in anchors if a is not None)
    # the recorded subject's own page, for a single act (a message, not only its channel)
    subjects = [_subject(e) for e in entries]
    ctx.load_targets(
        s
        for s, a in zip(subjects, anchors, strict=True)
        if s is not None and s != a
        if links.kind(s[0]) is not None and links.kind(s[0]).url is not None
    )

    runs: list[tuple[list[int], object]] = []
    for i, e in enumerate(entries):
        key = (_actor_key(e), e.action, anchors[i])
        if runs and runs[-1][1] == key:
            runs[-1][0].append(i)
        else:
            runs.append(([i], key))

    out = []
    for idx, _key in runs:
        first = idx[0]
        e, w, anchor = entries[first], words[first], anchors[first]
        target = ctx.target(anchor)
        if target is not None and len(idx) == 1:
            own_url = ctx.url_of(subjects[first])
            if own_url and subjects[first] != anchor:
                target = Target(target.title, own_url)
        values = w.details(e, ctx) if w.details else {}
        values["n"] = f"{len(idx):,}"
        html, text = _render(w.one if len(idx) == 1 else w.many, target, values)
        actor, actor_text = _actor(ctx, e, many=len(idx) > 1)
        name = actor_text or (people.person(viewer, actor).name if actor else "")
        group = [entries[i] for i in idx]
        labels: list[LabelValue] = []
        for g in group:
            value = _label_value(g)
            if value is not None and value not in labels:
                labels.append(value)
        out.append(Line(group, actor, actor_text, mark_safe(html), f"{name} {text}", labels))  # noqa: S308 (built with format_html / escape above)
    return out


def _label_value(e: Entry) -> LabelValue | None:
    label = getattr(e, "label", None)
    if isinstance(label, Label):
        return label.value
    return LabelValue.from_dict(e.label_data) if e.label_data else None


def _actor(ctx: Context, e: Entry, *, many: bool) -> tuple[Member | None, str]:
    """The member who acted (named by {% person %}), or words for who else did."""
    member = ctx.member_of_user(e.actor_id)
    if member is not None:
        p = people.person(ctx.viewer, member)
        if p is None or p.hidden:
            return None, people.HIDDEN_NAME[0].upper() + people.HIDDEN_NAME[1:]
        return member, ""
    if e.actor_name == ANONYMOUS_NAME:
        return None, "Participants" if many else "A participant"
    if e.actor_id is None and e.actor_name in SYSTEM_NAMES:
        return None, "Accord"
    return None, "An operator"


# --- the timeline's filters ------------------------------------------------------------------
def actions_seen(viewer: Viewer) -> list[tuple[str, str]]:
    """(action, name) of every action among the acts the viewer may read, by name."""
    codes = queries.timeline(viewer).order_by().values_list("action", flat=True).distinct()
    return sorted(((a, action_name(a)) for a in set(codes)), key=lambda x: x[1])


def timeline(
    viewer: Viewer,
    *,
    member: Member | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Entry]:
    """The acts the viewer may read (ledger.queries.timeline), narrowed to one member's acts
    when `member` is given (a member the viewer may see: the caller resolves it through
    core.queries, which applies the membership labels)."""
    qs = queries.timeline(viewer, action=action, since=since, until=until)
    if member is not None:
        qs = qs.filter(actor_id=member.user_id)
    return qs
