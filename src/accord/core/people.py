"""The member-visibility door: every list of people, and every "by whom", passes through here.

A membership is itself labelled (a defence attaché CONFIDENTIAL // REL TO ARD is invisible to
other parties: they do not see that he is a member at all). So wherever Accord names a person
to a reader — acknowledgements, recipients, mentions, senders, authors of positions,
amendments and stances, signatories, escalation targets, actors of recorded acts — it shows the
member only if the reader may read that membership. A hidden member whose act must still count
is shown as "a member not shown": never their name, id, username, party or title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.core import access
from accord.core.access import Viewer
from accord.core.models import Member

HIDDEN_NAME = "a member not shown"


@dataclass(frozen=True)
class Person:
    """A member as one reader may see them."""

    id: int | None
    name: str
    username: str | None
    party: str | None
    title: str
    hidden: bool

    def __str__(self) -> str:
        return self.name

    @property
    def handle(self) -> str | None:
        """`user@PARTY`, as the API names people (None when hidden)."""
        return None if self.hidden else f"{self.username}@{self.party}"

    # templates written for Member keep working with a Person
    @property
    def display_name(self) -> str:
        return self.name

    @property
    def pk(self) -> int | None:
        return self.id


HIDDEN = Person(id=None, name=HIDDEN_NAME, username=None, party=None, title="", hidden=True)


def can_see(viewer: Viewer, member: Member | None) -> bool:
    """May the viewer know that this member exists? (Their own membership: always.)"""
    if member is None or viewer.member is None:
        return False
    if member.pk == viewer.member.pk:
        return True
    return member.process_id == viewer.process.pk and access.can_read_label_id(
        viewer, member.label_id
    )


def person(viewer: Viewer, member: Member | None) -> Person | None:
    """The member as the viewer may see them; None when there is nobody (e.g. the system)."""
    if member is None:
        return None
    if not can_see(viewer, member):
        return HIDDEN
    return Person(
        id=member.pk,
        name=member.display_name,
        username=member.user.get_username(),
        party=member.party.code,
        title=member.title,
        hidden=False,
    )


def handle(viewer: Viewer, member: Member | None) -> str | None:
    """`user@PARTY` of a visible member, None for nobody or a hidden member (API fields)."""
    p = person(viewer, member)
    return None if p is None else p.handle


def visible(viewer: Viewer, members: Iterable[Member]) -> tuple[list[Member], int]:
    """The members the viewer may see, and how many others were left out."""
    shown: list[Member] = []
    hidden = 0
    for m in members:
        if can_see(viewer, m):
            shown.append(m)
        else:
            hidden += 1
    return shown, hidden


def hidden_note(count: int) -> str:
    """How a list says that some of its people are not shown ("" when none)."""
    if count <= 0:
        return ""
    return "1 member not shown" if count == 1 else f"{count} members not shown"
