from django.apps import AppConfig

OTHER_PAGES = ("concern", "dispute", "engagement", "procedures")  # their own header entries


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"
    verbose_name = "Accord meetings"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""
        from django.urls import reverse

        from accord.core.links import Kind, register
        from accord.ui.sections import Panel, Section, register_panel
        from accord.ui.sections import register as add_section

        def panel(viewer):
            from accord.meetings.views import dashboard_panel

            return dashboard_panel(viewer)

        register_panel(
            Panel("meetings", "Meetings and action items", "meetings/_panel.html", panel, 20)
        )
        add_section(
            Section(
                "meetings",
                "Meetings",
                "meetings:list",
                34,
                "Talks",
                match=lambda app, name: app == "meetings" and not name.startswith(OTHER_PAGES),
            )
        )
        add_section(
            Section(
                "concerns",
                "Concerns",
                "meetings:concerns",
                35,
                "Talks",
                pages=(("meetings", "concern"),),
            )
        )
        add_section(
            Section(
                "disputes",
                "Disputes",
                "meetings:disputes",
                36,
                "Talks",
                pages=(("meetings", "dispute"), ("meetings", "procedures")),
            )
        )
        add_section(
            Section(
                "engagement",
                "Engagement",
                "meetings:engagement",
                37,
                "Talks",
                pages=(("meetings", "engagement"),),
            )
        )

        def meeting_url(m):
            return reverse("meetings:detail", args=[m.process.slug, m.pk])

        register(
            Kind(
                name="meetings.meeting",
                model_label="meetings.Meeting",
                label_paths=("label",),
                process_path="process",
                title=lambda m: m.title,
                url=meeting_url,
                text_fields=("title", "description", "place"),
            )
        )
        register(
            Kind(
                name="meetings.agendaitem",
                model_label="meetings.AgendaItem",
                label_paths=("meeting__label",),
                process_path="meeting__process",
                title=lambda i: f"{i.title} (agenda of {i.meeting.title})",
                url=lambda i: meeting_url(i.meeting) + f"#item-{i.pk}",
                text_fields=("title", "description"),
            )
        )
        register(
            Kind(
                name="meetings.minutes",
                model_label="meetings.Minutes",
                label_paths=("meeting__label",),
                process_path="meeting__process",
                title=lambda mn: f"minutes of {mn.meeting.title}",
                url=lambda mn: reverse(
                    "meetings:minutes", args=[mn.meeting.process.slug, mn.meeting_id, mn.pk]
                ),
                text_fields=("body",),
            )
        )
        register(
            Kind(
                name="meetings.minutescomment",
                model_label="meetings.MinutesComment",
                label_paths=("minutes__meeting__label",),
                process_path="minutes__meeting__process",
                title=lambda c: f"comment on the minutes of {c.minutes.meeting.title}",
                text_fields=("text", "wording"),
            )
        )

        register(
            Kind(
                name="meetings.actionitem",
                model_label="meetings.ActionItem",
                label_paths=("meeting__label",),
                process_path="meeting__process",
                title=lambda a: a.text[:80],
                url=lambda a: meeting_url(a.meeting) + "#actions",
                text_fields=("text",),
            )
        )

        register(
            Kind(
                name="meetings.decision",
                model_label="meetings.Decision",
                label_paths=("label",),  # its own: the meeting's combined with the one chosen
                process_path="meeting__process",
                title=lambda d: d.title,
                url=lambda d: reverse(
                    "meetings:decision", args=[d.meeting.process.slug, d.meeting_id, d.pk]
                ),
                text_fields=("title", "text", "statement"),
            )
        )

        register(
            Kind(
                name="meetings.dispute",
                model_label="meetings.Dispute",
                label_paths=("label",),
                process_path="process",
                title=lambda d: d.title,
                url=lambda d: reverse("meetings:dispute", args=[d.process.slug, d.pk]),
                text_fields=("title", "text", "resolution"),
            )
        )
        register(
            Kind(
                name="meetings.disputesubmission",
                model_label="meetings.DisputeSubmission",
                label_paths=("label",),
                process_path="dispute__process",
                title=lambda s: f"{s.get_kind_display()} on {s.dispute.title}",
                url=lambda s: (
                    reverse("meetings:dispute", args=[s.dispute.process.slug, s.dispute_id])
                    + f"#submission-{s.pk}"
                ),
                text_fields=("text",),
            )
        )
        register(
            Kind(
                name="meetings.concern",
                model_label="meetings.Concern",
                label_paths=("label",),
                process_path="process",
                title=lambda c: c.title,
                url=lambda c: reverse("meetings:concern", args=[c.process.slug, c.pk]),
                text_fields=("title", "text", "response"),
            )
        )

        register(
            Kind(
                name="meetings.poll",
                model_label="meetings.Poll",
                label_paths=("meeting__label",),
                process_path="meeting__process",
                title=lambda p: p.title,
                url=lambda p: reverse(
                    "meetings:poll", args=[p.meeting.process.slug, p.meeting_id, p.pk]
                ),
                text_fields=("title", "details"),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.meetings.demo import load

        load(process)
