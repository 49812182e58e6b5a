"""The access matrix over every path: object, list, REST, search, unread counts, notifications,
acknowledgement status, ledger timeline. Other party, lower clearance, missing caveat: nothing."""

import pytest

from accord.comms import queries, services
from accord.comms.models import Notification
from accord.core.errors import NotFound
from accord.ledger import queries as ledger_queries
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

SECRET_WORD = "Zephyrquartz"
LABEL = {"level": "SECRET", "rel_to": ["ARD"], "caveats": ["MILOPS"]}

# Posted by col.marsh (ARD, SECRET, MILOPS) in "Allies coordination" (RESTRICTED // REL TO
# ARD, BEL, NOR), labelled SECRET // REL TO ARD // MILOPS.
MATRIX = [
    ("kate.reed", True),  # ARD, SECRET, MILOPS
    ("james.whitfield", False),  # ARD, SECRET, missing caveat MILOPS
    ("ana.costa", False),  # ARD, lower clearance (CONFIDENTIAL)
    ("ingrid.dahl", False),  # NOR: other party (reads the channel, not the message)
    ("amara.okafor", False),  # MED, SECRET + MILOPS, but not in REL TO
    ("viktor.kess", False),  # KES: cannot even read the channel
]


@pytest.fixture
def secret_msg(kate, viewer, chan):
    body = f"{SECRET_WORD} battery at km 14. @kate.reed @james.whitfield @ingrid.dahl"
    return services.post_message(
        viewer("col.marsh"),
        chan("Allies coordination").pk,
        body=body,
        label=LABEL,
        precedence="FLASH",
    ).message


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_object_list_and_rest(secret_msg, viewer, api_for, username, allowed):
    v = viewer(username)
    assert queries.all_messages(v).filter(pk=secret_msg.pk).exists() is allowed
    if not allowed:
        with pytest.raises(NotFound):
            queries.message(v, secret_msg.pk)
    c = api_for(username)
    base = f"/api/v1/processes/lake-varna/channels/{secret_msg.channel_id}"
    r = c.get(f"{base}/messages/{secret_msg.pk}")
    assert r.status_code == (200 if allowed else 404)
    for path in ("acks", "ack"):
        method = c.get if path == "acks" else c.post
        r = method(f"{base}/messages/{secret_msg.pk}/{path}", content_type="application/json")
        assert (r.status_code == 404) is not allowed
    listing = c.get(f"{base}/messages?limit=500")
    if username in ("viktor.kess", "amara.okafor"):  # cannot read the channel
        assert listing.status_code == 404
    else:
        assert (secret_msg.pk in {m["id"] for m in listing.json()["items"]}) is allowed
        assert (SECRET_WORD.encode() in listing.content) is allowed


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_search_counts_and_snippets(secret_msg, viewer, api_for, username, allowed):
    v = viewer(username)
    assert queries.search(v, SECRET_WORD.lower()).count() == (1 if allowed else 0)
    r = api_for(username).get(f"/api/v1/processes/lake-varna/channels/search?q={SECRET_WORD}")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == (1 if allowed else 0)
    if allowed:
        assert "<mark>" + SECRET_WORD + "</mark>" in body["items"][0]["snippet"]
    else:
        assert b"km 14" not in r.content


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_unread_counts(kate, viewer, chan, api_for, username, allowed):
    allies = chan("Allies coordination")
    v = viewer(username)

    def unread() -> int | None:
        row = queries.channels_with_unread(v).filter(pk=allies.pk).first()
        return None if row is None else row.unread

    def rest_unread() -> int | None:
        items = api_for(username).get("/api/v1/processes/lake-varna/channels").json()["items"]
        return next((c["unread"] for c in items if c["id"] == allies.pk), None)

    before, rest_before = unread(), rest_unread()
    assert before == rest_before
    services.post_message(viewer("col.marsh"), allies.pk, body="troops", label=LABEL)
    after, rest_after = unread(), rest_unread()
    assert after == rest_after
    if before is None:  # cannot read the channel at all: not listed, no count
        assert after is None and not allowed
    else:
        assert after - before == (1 if allowed else 0)
        assert (queries.unread_count(v, allies) - after) == 0


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_notifications(secret_msg, member, viewer, api_for, username, allowed):
    m = member(username)
    assert Notification.objects.filter(member=m, message=secret_msg).exists() is allowed
    assert queries.notifications(viewer(username)).filter(message=secret_msg).exists() is allowed
    items = api_for(username).get("/api/v1/processes/lake-varna/channels/notifications").json()
    assert (secret_msg.pk in {n["message_id"] for n in items["items"]}) is allowed


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_ledger_timeline(secret_msg, viewer, api_for, username, allowed):
    entry = Entry.objects.get(action="message.post", subject_id=str(secret_msg.pk))
    assert ledger_queries.timeline(viewer(username)).filter(pk=entry.pk).exists() is allowed
    items = api_for(username).get("/api/v1/processes/lake-varna/activity?limit=500").json()
    seen = {(a["action"], a["subject_id"]) for a in items["items"]}
    assert (("message.post", str(secret_msg.pk)) in seen) is allowed


def test_rel_to_ard_entry_not_in_nor_timeline(viewer, chan):
    msg = services.post_message(
        viewer("ana.costa"),
        chan("Allies coordination").pk,
        body="ARD only",
        label={"level": 1, "rel_to": ["ARD"]},
    ).message
    entry = Entry.objects.get(action="message.post", subject_id=str(msg.pk))
    assert ledger_queries.timeline(viewer("james.whitfield")).filter(pk=entry.pk).exists()
    for nor in ("ingrid.dahl", "erik.lund"):
        assert not ledger_queries.timeline(viewer(nor)).filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("ana.costa", True),
        ("viktor.kess", False),  # other party
        ("ingrid.dahl", False),
        ("lena.haas", False),
    ],
)
def test_party_channel_visibility(chan, api_for, username, visible):
    ard = chan("Ardania delegation")
    c = api_for(username)
    assert c.get(f"/api/v1/processes/lake-varna/channels/{ard.pk}").status_code == (
        200 if visible else 404
    )
    ids = {x["id"] for x in c.get("/api/v1/processes/lake-varna/channels").json()["items"]}
    assert (ard.pk in ids) is visible
    r = c.post(
        f"/api/v1/processes/lake-varna/channels/{ard.pk}/messages",
        {"body": "hello"},
        content_type="application/json",
    )
    assert r.status_code == (201 if visible else 404)


def test_caucus_needs_mediation_caveat(chan, api_for):
    caucus = chan("Mediation caucus")
    r = api_for("pavel.novak").get(f"/api/v1/processes/lake-varna/channels/{caucus.pk}")
    assert r.status_code == 200 and r.json()["label"]["caveats"] == ["MEDIATION"]
    # james.whitfield: SECRET, but no MEDIATION caveat
    r = api_for("james.whitfield").get(f"/api/v1/processes/lake-varna/channels/{caucus.pk}")
    assert r.status_code == 404


def test_non_member_sees_no_process(api_for, django_user_model, client):
    from accord.core import services as core_services

    outsider = core_services.create_user(username="outsider", password="a-long-demo-pass-1")
    _, secret = core_services.create_token(outsider, name="t")
    r = client.get(
        "/api/v1/processes/lake-varna/channels", headers={"Authorization": f"Bearer {secret}"}
    )
    assert r.status_code == 404
    assert client.get("/api/v1/processes/lake-varna/channels").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/channels/{big}",
        "/channels/{big}/messages",
        "/channels/{chan}/messages/{big}",
        "/channels/{chan}/messages/{big}/acks",
        "/channels/{chan}/messages/{big}/attachments/{big}",
    ],
)
def test_impossible_ids_are_404_not_500(chan, api_for, path):
    url = path.format(big=2**70, chan=chan("Plenary").pk)
    r = api_for("ana.costa").get(f"/api/v1/processes/lake-varna{url}")
    assert r.status_code == 404
