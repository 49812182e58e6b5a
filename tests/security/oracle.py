"""The expected visibility of one member, built from the database through the registry of
labelled kinds (`accord.core.links`), and the checker that looks for what must not be there.

For every registered kind: the objects the member may read (`kind.readable(viewer)`, the app's
own read door) and the rest (every object of the kind, in any process, minus those). From them:

- forbidden needles: canary tokens and canary ids of unreadable objects; names, usernames and
  titles of members whose membership the reader may not read; label displays that only
  unreadable things carry; long distinctive texts of unreadable demo objects;
- legitimate data: texts, ids and labels of readable objects, plus what a readable *release*
  carries (a position release's released fields, a released analysis run's inputs and outputs:
  declassification decided by someone with authority, recorded in the ledger).

A needle that also occurs in readable data is dropped (it could not be told from a legitimate
occurrence), so the checks never flake on a coincidence; the canaries are built so that this
never drops what matters.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from accord.core import access, links
from accord.core.access import Viewer, viewer_of
from accord.core.models import Label, Member, Party
from accord.core.roles import Role
from tests.security.canaries import ID_BASE, ID_RE, TOKEN_RE, World

# What a readable object legitimately carries of other objects (declassified by a release):
# kind → fields holding JSON copies of other objects' data, and fields naming other objects.
CARRIERS: dict[str, dict[str, tuple[str, ...]]] = {
    "negotiation.positionrelease": {"json": ("released",), "ids": ("position_id",)},
    "negotiation.analysisrun": {"json": ("params", "inputs", "outputs"), "ids": ()},
}
MIN_TEXT = 25  # demo texts shorter than this are not distinctive enough to look for
MIN_PERSON = 5  # names and titles shorter than this are not looked for


@dataclass(frozen=True)
class Needle:
    kind: str  # token | id | person | label | text
    value: str
    what: str  # which object or member it belongs to


@dataclass
class Finding:
    route: str
    url: str
    status: int
    needle: Needle
    excerpt: str

    def __str__(self) -> str:
        return (
            f"{self.route}  GET {self.url} → {self.status}: {self.needle.kind} "
            f"{self.needle.value!r} ({self.needle.what}) …{self.excerpt}…"
        )


@dataclass
class Expectation:
    """What one member may and may not see."""

    username: str
    viewer: Viewer
    readable: dict[str, set[int]]
    unreadable: dict[str, set[int]]
    readable_tokens: dict[str, str]  # token → object it belongs to
    coverage_tokens: dict[str, str]  # tokens of readable canaries: must be seen somewhere
    forbidden_tokens: dict[str, str]
    forbidden_ids: dict[int, str]
    needles: list[Needle]  # person, label and text needles (substring search)
    hidden_members: list[Member] = field(default_factory=list)
    hidden_terms: list[str] = field(default_factory=list)  # search terms from hidden members

    def unreadable_objects(self, kind: str) -> list[int]:
        return sorted(self.unreadable.get(kind, ()))

    def readable_objects(self, kind: str) -> list[int]:
        return sorted(self.readable.get(kind, ()))


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _fragment(text: str) -> str | None:
    """A plain run of ≥ MIN_TEXT characters of a text (no markup), at most 60 characters."""
    parts = re.split(r"[*_`#\[\]<>&\"'@|\n\r{}()]+", text)
    best = max((p.strip() for p in parts), key=len, default="")
    if len(best) < MIN_TEXT:
        return None
    if len(best) > 60:
        cut = best[:60].rsplit(" ", 1)[0]
        best = cut if len(cut) >= MIN_TEXT else best[:60]
    return best


def expect(world: World, member: Member) -> Expectation:
    """The expected visibility of `member` in the demo process (see the module docstring)."""
    viewer = viewer_of(member)
    readable: dict[str, set[int]] = {}
    unreadable: dict[str, set[int]] = {}
    corpus: list[str] = []  # everything the member may legitimately read
    readable_tokens: dict[str, str] = {}
    coverage: dict[str, str] = {}
    token_candidates: dict[str, str] = {}
    legit_ids: set[int] = set()
    unreadable_texts: list[tuple[str, str]] = []  # (text, what) of unreadable demo objects
    readable_labels: set[int] = set()

    for k in links.kinds():
        carrier = CARRIERS.get(k.name, {})
        jsons, refs = carrier.get("json", ()), carrier.get("ids", ())
        cols = ["pk", *k.label_paths, *k.text_fields, *jsons, *refs]
        nl, nt, nj = len(k.label_paths), len(k.text_fields), len(jsons)
        r = set(k.readable(viewer).values_list("pk", flat=True))
        rows = list(k.model.objects.values_list(*cols))
        readable[k.name] = r
        unreadable[k.name] = {row[0] for row in rows} - r
        for row in rows:
            pk = row[0]
            what = f"{k.name} {pk}"
            texts = [str(x) for x in row[1 + nl : 1 + nl + nt] if x]
            if pk in r:
                corpus += texts
                legit_ids.add(pk)
                readable_labels.update(x for x in row[1 : 1 + nl] if x is not None)
                for value in row[1 + nl + nt : 1 + nl + nt + nj]:
                    data = _json_text(value)
                    corpus.append(data)
                    legit_ids.update(int(x) for x in ID_RE.findall(data))
                    for t in TOKEN_RE.findall(data):
                        readable_tokens.setdefault(t, f"{what} (released)")
                legit_ids.update(x for x in row[1 + nl + nt + nj :] if x)
                for text in texts:
                    for t in TOKEN_RE.findall(text):
                        readable_tokens[t] = what
                        if pk >= ID_BASE:
                            coverage[t] = what
            else:
                for text in texts:
                    for t in TOKEN_RE.findall(text):
                        token_candidates.setdefault(t, what)
                    if pk < ID_BASE and (frag := _fragment(text)):
                        unreadable_texts.append((frag, what))

    # people: the members whose membership the reader may see, and the others
    members = list(Member.objects.select_related("user", "party"))
    visible = readable["core.member"]
    hidden = [m for m in members if m.pk not in visible]
    for m in members:
        if m.pk in visible:
            corpus += [m.display_name, m.user.get_username(), m.title]
    corpus += [f"{p.code} {p.name}" for p in Party.objects.filter(process=world.process)]
    corpus += [world.process.name, world.process.description, *(r.title for r in Role)]
    low = "\n".join(corpus).lower()

    forbidden_tokens = {t: what for t, what in token_candidates.items() if t not in readable_tokens}
    for text in world.foreign_texts:
        for t in TOKEN_RE.findall(text):
            if t not in readable_tokens:
                forbidden_tokens.setdefault(t, f"process {world.other.slug}")
    forbidden_ids = {
        pk: f"{name} {pk}"
        for name, ids in unreadable.items()
        for pk in ids
        if pk >= ID_BASE and pk not in legit_ids
    }

    needles: list[Needle] = []
    hidden_terms: list[str] = []
    for m in hidden:
        who = f"hidden member {m.user.get_username()}"
        for kind_of, value in (
            ("name", m.display_name),
            ("username", m.user.get_username()),
            ("title", m.title),
        ):
            if value and len(value) >= MIN_PERSON and value.lower() not in low:
                needles.append(Needle("person", value, f"{who} ({kind_of})"))
                if kind_of != "title":
                    hidden_terms.append(value)
    for text in world.foreign_texts:
        if len(text) >= MIN_PERSON and text.lower() not in low:
            needles.append(Needle("person", text, f"process {world.other.slug}"))
    seen_text: set[str] = set()
    for frag, what in unreadable_texts:
        if frag.lower() not in low and frag not in seen_text:
            seen_text.add(frag)
            needles.append(Needle("text", frag, what))
    needles += _label_needles(viewer, readable_labels)
    return Expectation(
        username=member.user.get_username(),
        viewer=viewer,
        readable=readable,
        unreadable=unreadable,
        readable_tokens=readable_tokens,
        coverage_tokens=coverage,
        forbidden_tokens=forbidden_tokens,
        forbidden_ids=forbidden_ids,
        needles=needles,
        hidden_members=hidden,
        hidden_terms=hidden_terms,
    )


def _label_needles(viewer: Viewer, readable_labels: set[int]) -> list[Needle]:
    """Displays of labels the member may not read and no readable object carries — only
    compound ones (`LEVEL // …`), and only when no readable label's display contains them."""
    names = viewer.process.level_names
    rows = list(Label.objects.filter(process=viewer.process))
    ok = {
        lab.value.display(names)
        for lab in rows
        if lab.pk in readable_labels or access.can_read(viewer, lab.value)
    }
    out = []
    for lab in rows:
        shown = lab.value.display(names)
        if lab.pk in readable_labels or access.can_read(viewer, lab.value) or "//" not in shown:
            continue
        if any(shown in other for other in ok):
            continue
        out.append(Needle("label", shown, f"label {lab.pk}"))
    return out


# --- reading responses ------------------------------------------------------------------------
def texts_of(content: bytes, content_type: str, headers: str = "") -> list[str]:
    """The texts a response shows, in every form a needle could take in it."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    out = [headers] if headers else []
    if ctype == "application/pdf":
        out.append(_pdf_text(content))
        return out
    if "officedocument" in ctype or content[:4] == b"PK\x03\x04":
        out.append(_zip_text(content))
        return out
    raw = content.decode("utf-8", errors="replace")
    out.append(raw)
    if "json" in ctype:
        try:
            out.append(_json_text(json.loads(raw)))
        except ValueError:
            pass
    else:
        out.append(html.unescape(raw))
    return out


def _pdf_text(content: bytes) -> str:
    """Raw PDF plus every Flate stream decompressed (text drawn with simple fonts)."""
    parts = [content.decode("latin-1")]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    text = "\n".join(parts)
    # text shown as (…) Tj / [(…) …] TJ: join the pieces so words are whole again
    pieces = re.findall(r"\(((?:\\.|[^\\)])*)\)", text)
    return text + "\n" + "".join(pieces)


def _zip_text(content: bytes) -> str:
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return content.decode("latin-1")
    parts = []
    for name in z.namelist():
        if name.endswith((".xml", ".rels", ".txt")):
            xml = z.read(name).decode("utf-8", errors="replace")
            parts.append(html.unescape(re.sub(r"<[^>]+>", "", xml)))
    return "\n".join(parts)


def _excerpt(text: str, start: int, end: int) -> str:
    a = max(0, start - 60)
    return text[a : a + 120].replace("\n", " ")


_LEVEL_WORDS = re.compile(r"[A-Za-z0-9]")


def _label_at(text: str, start: int, end: int) -> bool:
    """A label display found here is this label, not part of a longer one."""
    before = text[start - 1] if start > 0 else " "
    after = text[end : end + 3]
    if _LEVEL_WORDS.match(before) or text[max(0, start - 4) : start] == "TOP ":
        return False
    # ", NOR" (a longer REL TO), " // X" or " / X" (more caveats): a different label
    return not (after.startswith((",", " /")) or _LEVEL_WORDS.match(after[:1] or " "))


def find_leaks(
    exp: Expectation,
    texts: list[str],
    *,
    route: str,
    url: str,
    status: int,
    sent: Iterable[str] = (),
) -> list[Finding]:
    """Every forbidden needle in the texts of one response. `sent`: values the request itself
    carried (an id in the path, a search term): echoing them back is not a leak."""
    from urllib.parse import unquote_plus

    echo = unquote_plus(url) + "\n" + "\n".join(sent)
    found: dict[tuple[str, str], Finding] = {}

    def add(needle: Needle, text: str, s: int, e: int) -> None:
        key = (needle.kind, needle.value)
        if key not in found:
            found[key] = Finding(route, url, status, needle, _excerpt(text, s, e))

    for text in texts:
        for m in TOKEN_RE.finditer(text):
            t = m.group(0)
            if t in exp.forbidden_tokens and t not in echo:
                add(Needle("token", t, exp.forbidden_tokens[t]), text, m.start(), m.end())
        for m in ID_RE.finditer(text):
            pk = int(m.group(1))
            if pk in exp.forbidden_ids and not re.search(rf"(?<!\d){pk}(?!\d)", echo):
                add(Needle("id", str(pk), exp.forbidden_ids[pk]), text, m.start(), m.end())
        for n in exp.needles:
            if n.value in echo:
                continue
            start = text.find(n.value)
            while start >= 0:
                end = start + len(n.value)
                if n.kind != "label" or _label_at(text, start, end):
                    add(n, text, start, end)
                    break
                start = text.find(n.value, end)
    return list(found.values())
