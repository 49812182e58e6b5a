"""Entries recorded before this migration: readable only by whoever may read what they name.

Rule 4 applies to the record of an act: its label combines the labels of everything it names —
the acting member's membership, the labelled rows its recorded state points at, and the ids
its payload names (a reply's parent, mentioned members, linked agenda issues). New entries are
recorded that way (ledger.services.named_labels). For older ones this migration points the
`label` column — the one reads are filtered by — at that combination. It changes nothing the
Merkle leaf holds (`label_data`, payload, salt): every proof and every exported bundle stays
valid. The maps below are frozen copies of the registry of kinds (core.links) as it stood.
"""

from django.db import migrations

from accord.core.labels import PUBLIC, LabelValue, combine

# kind → (app label, model, label paths): core.links at the time of this migration
KINDS = {
    "core.member": ("core", "Member", ("label",)),
    "comms.channel": ("comms", "Channel", ("label",)),
    "comms.message": ("comms", "Message", ("label", "channel__label")),
    "comms.attachment": (
        "comms",
        "Attachment",
        ("label", "message__label", "message__channel__label"),
    ),
    "negotiation.issue": ("negotiation", "Issue", ("label",)),
    "negotiation.position": ("negotiation", "Position", ("label", "issue__label")),
    "negotiation.positionrelease": ("negotiation", "PositionRelease", ("label",)),
    "negotiation.document": ("negotiation", "Document", ("label",)),
    "negotiation.clause": ("negotiation", "Clause", ("document__label",)),
    "negotiation.version": ("negotiation", "Version", ("document__label",)),
    "negotiation.stance": ("negotiation", "Stance", ("label", "clause__document__label")),
    "negotiation.amendment": ("negotiation", "Amendment", ("label", "document__label")),
    "negotiation.amendmentcomment": (
        "negotiation",
        "AmendmentComment",
        ("label", "amendment__label", "amendment__document__label"),
    ),
    "negotiation.signature": (
        "negotiation",
        "Signature",
        ("label", "version__document__label"),
    ),
    "negotiation.analysisrun": ("negotiation", "AnalysisRun", ("label",)),
    "consult.consultation": ("consult", "Consultation", ("label",)),
    "consult.statement": ("consult", "Statement", ("label", "consultation__label")),
}
# payload keys that name labelled rows by id (besides the recorded state's foreign keys)
PAYLOAD_KEYS = {
    "reply_to": "comms.message",
    "mentions": "core.member",
    "issues": "negotiation.issue",
    "recipient": "core.member",
    "statements": "consult.statement",
}
# state fields read through the subject itself: a release names the position it releases
EXEMPT = {("negotiation.positionrelease", "position")}


def forwards(apps, schema_editor):
    Entry = apps.get_model("ledger", "Entry")
    Log = apps.get_model("ledger", "Log")
    Label = apps.get_model("core", "Label")
    Member = apps.get_model("core", "Member")

    installed = {m._meta.label_lower: m for m in apps.get_models()}
    for log in Log.objects.exclude(process=None):
        process_id = log.process_id
        values = {
            pk: LabelValue.of(lvl, rel, cav)
            for pk, lvl, rel, cav in Label.objects.filter(process_id=process_id).values_list(
                "id", "level", "rel_to", "caveats"
            )
        }
        rows_by_key = {
            LabelValue.of(lvl, rel, cav).key: pk
            for pk, lvl, rel, cav in Label.objects.filter(process_id=process_id).values_list(
                "id", "level", "rel_to", "caveats"
            )
        }
        members = dict(
            Member.objects.filter(process_id=process_id).values_list("user_id", "label_id")
        )
        targets: dict[tuple[str, int], list[LabelValue]] = {}

        def labels_of(kind: str, pk, targets=targets, values=values) -> list[LabelValue]:
            if not isinstance(pk, int) or isinstance(pk, bool) or kind not in KINDS:
                return []
            key = (kind, pk)
            if key not in targets:
                app, model, paths = KINDS[kind]
                row = apps.get_model(app, model).objects.filter(pk=pk).values_list(*paths).first()
                targets[key] = [values[x] for x in (row or ()) if x in values]
            return targets[key]

        for entry in Entry.objects.filter(log=log).iterator(chunk_size=2000):
            named: list[LabelValue] = []
            if members.get(entry.actor_id) in values:  # the acting member's membership
                named.append(values[members[entry.actor_id]])
            payload = entry.payload if isinstance(entry.payload, dict) else {}
            app, _, model = entry.subject_type.partition(".")
            state = payload.get("state")
            if isinstance(state, dict) and entry.subject_type in installed:
                hist = installed[entry.subject_type]
                for name, value in state.items():
                    try:
                        field = hist._meta.get_field(name)
                    except Exception:  # noqa: S112 - a field that no longer exists names nothing
                        continue
                    if not (field.is_relation and field.many_to_one):
                        continue
                    target = field.related_model._meta.label_lower
                    if target in KINDS and (entry.subject_type, name) not in EXEMPT:
                        named += labels_of(target, value)
            for key, kind in PAYLOAD_KEYS.items():
                value = payload.get(key)
                for pk in value if isinstance(value, list) else [value]:
                    named += labels_of(kind, pk)
            base = (
                LabelValue.from_dict(entry.label_data)
                if isinstance(entry.label_data, dict)
                else values.get(entry.label_id, PUBLIC)
            )
            current = values.get(entry.label_id, base)
            final = combine([base, current, *named])
            if final.key == current.key:
                continue
            label_id = rows_by_key.get(final.key)
            if label_id is None:
                row = Label.objects.create(
                    process_id=process_id,
                    key=final.key,
                    level=final.level,
                    rel_to=None if final.rel_to is None else sorted(final.rel_to),
                    caveats=sorted(final.caveats),
                )
                label_id = rows_by_key[final.key] = row.pk
                values[label_id] = final
            Entry.objects.filter(pk=entry.pk).update(label_id=label_id)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_restrict_not_protect"),
        ("core", "0002_restrict_not_protect"),
        ("comms", "0004_search_vector"),
        ("negotiation", "0003_alter_analysisrun_kind"),
        ("consult", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
