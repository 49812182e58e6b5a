"""REST API of comms: parse → service/query → schema. No logic here."""

import logging
from collections.abc import Callable
from datetime import date
from functools import partial

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord import fastpath
from accord.comms import queries, services
from accord.comms.models import Channel
from accord.comms.schemas import (
    AckOut,
    AckStatusOut,
    AttachmentOut,
    ChannelIn,
    ChannelOut,
    HandlingIn,
    HandlingOut,
    MessageIn,
    MessageOut,
    MessagePatch,
    NotificationOut,
    NotificationsReadIn,
    PostedOut,
    ReadIn,
    ReadOut,
    SearchHit,
)
from accord.core import files, people
from accord.core.access import Viewer
from accord.core.api import label_out
from accord.core.auth import viewer_for_token
from accord.core.errors import AccordError
from accord.core.queries import viewer_for_slug
from accord.core.writer import FAILED, WriterProcess, WriterStopped
from accord.pagination import Page, SearchPage

router = Router(tags=["comms"])
log = logging.getLogger("accord.comms")


class _Mapped:
    """A queryset seen through a per-viewer serialiser, counted and sliced in the database."""

    def __init__(self, qs, fn: Callable) -> None:
        self.qs, self.fn = qs, fn

    def all(self) -> "_Mapped":
        return self

    def count(self) -> int:
        return self.qs.count()

    def bounded_count(self, cap: int) -> int:
        """How many rows, counting no further than `cap` (see pagination.SearchPage)."""
        return self.qs.bounded_count(cap)

    def __getitem__(self, s: slice) -> list:
        return [self.fn(x) for x in self.qs[s]]


def channel_out(viewer: Viewer, c: Channel) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "description": c.description,
        "parties": sorted(p.code for p in c.parties.all()),
        "label": label_out(viewer.process, c.label),
        "unread": getattr(c, "unread", None),
    }


def _acked_ids(viewer: Viewer) -> set[int]:
    from accord.comms.models import Acknowledgement

    return set(
        Acknowledgement.objects.filter(member=viewer.member).values_list("message_id", flat=True)
    )


# --- channels ---------------------------------------------------------------------------------
@router.get("/processes/{slug}/channels", response=list[ChannelOut], summary="Channels I may read")
@paginate(Page)
def list_channels(request: HttpRequest, slug: str, kind: str | None = None):
    viewer = viewer_for_slug(request.user, slug)
    qs = queries.channels_with_unread(viewer)
    if kind:
        qs = qs.filter(kind=kind)
    return _Mapped(qs, lambda c: channel_out(viewer, c))


@router.post("/processes/{slug}/channels", response={201: ChannelOut}, summary="Create a channel")
def create_channel(request: HttpRequest, slug: str, data: ChannelIn):
    viewer = viewer_for_slug(request.user, slug)
    chan = services.create_channel(
        viewer,
        name=data.name,
        kind=data.kind,
        label=data.label,
        parties=data.parties,
        description=data.description,
    )
    return Status(201, channel_out(viewer, chan))


@router.get("/processes/{slug}/channels/handling", response=HandlingOut)
def get_handling(request: HttpRequest, slug: str):
    return queries.handling_policy(viewer_for_slug(request.user, slug).process)


@router.put("/processes/{slug}/channels/handling", response=HandlingOut)
def put_handling(request: HttpRequest, slug: str, data: HandlingIn):
    viewer = viewer_for_slug(request.user, slug)
    return services.set_handling_objectives(viewer, **data.dict())


@router.get(
    "/processes/{slug}/channels/search",
    response=list[SearchHit],
    summary="Full-text search over the messages I may read",
)
@paginate(SearchPage)
def search(
    request: HttpRequest,
    slug: str,
    q: str,
    channel: int | None = None,
    sender: int | None = None,
    party: str | None = None,
    precedence: str | None = None,
    since: date | None = None,
    until: date | None = None,
    max_level: int | None = None,
):
    viewer = viewer_for_slug(request.user, slug)
    filters = queries.SearchFilters(channel, sender, party, precedence, since, until, max_level)
    qs = queries.search(viewer, q, filters).prefetch_related("mentions")
    acked = _acked_ids(viewer)
    return _Mapped(
        qs,
        lambda m: {
            "message": queries.message_data(viewer, m, acked),
            "snippet": str(queries.snippet(m.body, q)),
        },
    )


@router.get("/processes/{slug}/channels/notifications", response=list[NotificationOut])
@paginate(Page)
def list_notifications(request: HttpRequest, slug: str, unread_only: bool = False):
    viewer = viewer_for_slug(request.user, slug)
    qs = queries.notifications(viewer, unread_only=unread_only)
    return _Mapped(
        qs,
        lambda n: {
            "id": n.pk,
            "kind": n.kind,
            "message_id": n.message_id,
            "channel_id": n.message.channel_id,
            "about": people.person(viewer, n.about).name if n.about else None,
            "read": n.read,
            "created_at": n.created_at,
        },
    )


@router.post("/processes/{slug}/channels/notifications/read", response=dict)
def read_notifications(request: HttpRequest, slug: str, data: NotificationsReadIn):
    viewer = viewer_for_slug(request.user, slug)
    return {"marked": services.mark_notifications_read(viewer, data.ids)}


@router.get("/processes/{slug}/channels/{channel_id}", response=ChannelOut)
def get_channel(request: HttpRequest, slug: str, channel_id: int):
    viewer = viewer_for_slug(request.user, slug)
    queries.channel(viewer, channel_id)  # 404 for an unreadable (or impossible) id
    return channel_out(viewer, queries.channels_with_unread(viewer).get(pk=channel_id))


@router.get(
    "/processes/{slug}/channels/{channel_id}/messages",
    response=list[MessageOut],
    summary="Messages I may read, oldest first; after_id for catch-up",
)
@paginate(Page)
def list_messages(request: HttpRequest, slug: str, channel_id: int, after_id: int | None = None):
    viewer = viewer_for_slug(request.user, slug)
    chan = queries.channel(viewer, channel_id)
    qs = queries.messages(viewer, chan, after_id=after_id).prefetch_related("mentions")
    acked = _acked_ids(viewer)
    return _Mapped(qs, lambda m: queries.message_data(viewer, m, acked))


@router.post(
    "/processes/{slug}/channels/{channel_id}/messages",
    response={201: PostedOut},
    summary="Post a message (FLASH/IMMEDIATE over 200 words are accepted with a warning)",
)
def post_message(request: HttpRequest, slug: str, channel_id: int, data: MessageIn):
    viewer = viewer_for_slug(request.user, slug)
    posted = services.post_message(viewer, channel_id, **_post_fields(data))
    return Status(201, _posted_out(posted))


async def post_message_fast(req: fastpath.Request) -> tuple[int, dict]:
    """The same endpoint on the API's fast path (accord.fastpath, bearer tokens): the poster
    is resolved with the post's checks by the writer — the server's writer process when it
    runs (accord.core.writer), else the comms writer thread. Any refusal is answered by
    `post_message` above, through Django."""
    data = req.json(MessageIn)
    request = (req.bearer, req.params["slug"], int(req.params["channel_id"]), _post_fields(data))
    if settings.CFG.writer_process:
        if _writer.available:
            try:
                answer = await _writer.submit(request)
            except WriterStopped as exc:
                raise fastpath.Failed(str(exc)) from exc
            if answer is None:
                raise fastpath.Delegate  # refused: nothing was written
            if answer == FAILED:
                raise fastpath.Failed("the writer process could not write this post")
            return answer
        _writer.start()  # meanwhile, in-process
    posted = await services.post_message_async(_preparation(request))
    return 201, _posted_out(posted)  # PostedOut's shape (held to it by tests)


def _preparation(request: tuple):
    """A fast-path post's checks, for the writer: the token's member, then the post's."""
    token, slug, channel_id, fields = request
    resolve = partial(viewer_for_token, token, slug)
    return services.post_preparation(resolve, channel_id, poster_key=(token, slug), **fields)


def write_fast_posts(requests: list[tuple]) -> list:
    """In the writer process: check and write a batch of fast-path posts together. Each
    answer is (201, body), or None for a refusal (nothing written; Django answers it)."""
    answers: list = []
    for posted, error in services.post_messages_now([_preparation(r) for r in requests]):
        if error is None:
            answers.append((201, _posted_out(posted)))
        elif isinstance(error, AccordError):
            answers.append(None)
        else:
            log.error("fast post failed in the writer process", exc_info=error)
            answers.append(FAILED)
    return answers


_writer = WriterProcess("accord.comms.api.write_fast_posts")


def start_writer() -> None:
    """At server start (accord.asgi lifespan): the writer process, if configured."""
    if settings.CFG.writer_process:
        _writer.start()


async def stop_writer() -> None:
    await _writer.stop()


def _post_fields(data: MessageIn) -> dict:
    return {
        "body": data.body,
        "label": data.label,
        "precedence": data.precedence,
        "requires_ack": data.requires_ack,
        "reply_to": data.reply_to,
    }


def _posted_out(posted: services.Posted) -> dict:
    # a message posted in this request has no acknowledgement and no attachment yet
    message = queries.message_data(
        posted.viewer, posted.message, acked=set(), attachment_rows=[], mentions=posted.mentions
    )
    return {"message": message, "warnings": posted.warnings}


@router.post("/processes/{slug}/channels/{channel_id}/read", response=ReadOut)
def mark_read(request: HttpRequest, slug: str, channel_id: int, data: ReadIn):
    viewer = viewer_for_slug(request.user, slug)
    state = services.mark_read(viewer, channel_id, data.last_read_id)
    chan = queries.channel(viewer, channel_id)
    return {
        "channel_id": channel_id,
        "last_read_id": state.last_read_id,
        "unread": queries.unread_count(viewer, chan),
    }


@router.get("/processes/{slug}/channels/{channel_id}/messages/{message_id}", response=MessageOut)
def get_message(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    viewer = viewer_for_slug(request.user, slug)
    return queries.message_data(viewer, queries.message(viewer, message_id, channel_id))


@router.patch("/processes/{slug}/channels/{channel_id}/messages/{message_id}", response=MessageOut)
def edit_message(
    request: HttpRequest, slug: str, channel_id: int, message_id: int, data: MessagePatch
):
    viewer = viewer_for_slug(request.user, slug)
    queries.message(viewer, message_id, channel_id)
    return queries.message_data(
        viewer, services.edit_message(viewer, message_id, body=data.body, label=data.label)
    )


@router.delete("/processes/{slug}/channels/{channel_id}/messages/{message_id}", response=MessageOut)
def delete_message(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    viewer = viewer_for_slug(request.user, slug)
    queries.message(viewer, message_id, channel_id)
    return queries.message_data(viewer, services.delete_message(viewer, message_id))


@router.post("/processes/{slug}/channels/{channel_id}/messages/{message_id}/ack", response=AckOut)
def acknowledge(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    viewer = viewer_for_slug(request.user, slug)
    queries.message(viewer, message_id, channel_id)
    ack = services.acknowledge(viewer, message_id)
    return {"message_id": ack.message_id, "member_id": ack.member_id, "at": ack.at}


@router.get(
    "/processes/{slug}/channels/{channel_id}/messages/{message_id}/acks", response=AckStatusOut
)
def ack_status(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    viewer = viewer_for_slug(request.user, slug)
    msg = queries.message(viewer, message_id, channel_id)
    st = queries.ack_status(viewer, msg)

    def line(m, at=None) -> dict:
        return {"member_id": m.pk, "name": m.display_name, "party": m.party.code, "at": at}

    return {
        "message_id": msg.pk,
        "acknowledged": [line(m, at) for m, at in st.acknowledged],
        "pending": [line(m) for m in st.pending],
        "acknowledged_hidden": st.hidden_acknowledged,
        "pending_hidden": st.hidden_pending,
    }


@router.post(
    "/processes/{slug}/channels/{channel_id}/messages/{message_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file to your message (type sniffed from content; size limit applies)",
)
def add_attachment(
    request: HttpRequest,
    slug: str,
    channel_id: int,
    message_id: int,
    file: UploadedFile = File(...),
):
    viewer = viewer_for_slug(request.user, slug)
    queries.message(viewer, message_id, channel_id)
    name, data = files.read_upload(file)
    att = services.attach(viewer, message_id, name=name, data=data)
    return Status(201, queries.attachment_data(att))


@router.get(
    "/processes/{slug}/channels/{channel_id}/messages/{message_id}/attachments/{attachment_id}",
    summary="Download an attachment (404 unless you may read it)",
)
def get_attachment(
    request: HttpRequest, slug: str, channel_id: int, message_id: int, attachment_id: int
):
    viewer = viewer_for_slug(request.user, slug)
    queries.message(viewer, message_id, channel_id)
    att = queries.attachment(viewer, message_id, attachment_id)
    return files.download(att)
