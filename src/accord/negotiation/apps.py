from django.apps import AppConfig


class NegotiationConfig(AppConfig):
    name = "accord.negotiation"
    label = "negotiation"
    verbose_name = "Accord negotiation workspace"

    def ready(self) -> None:
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(
            Section(
                "negotiation",
                "Negotiation",
                "negotiation:workspace",
                31,
                "Talks",
                pages=(("negotiation", ""),),
            ),
            group_order=30,
        )
        add_section(
            Section(
                "analysis",
                "Analysis",
                "negotiation:analysis",
                32,
                "Talks",
                pages=(("negotiation", "analysis"),),
            )
        )

        from django.urls import reverse

        from accord.core.links import Kind, register

        def positions(viewer):
            from accord.negotiation import queries

            return queries.positions(viewer)

        text_url = lambda doc: reverse("negotiation:text", args=[doc.process.slug, doc.pk])  # noqa: E731
        for kind in (
            Kind(
                name="negotiation.issue",
                model_label="negotiation.Issue",
                label_paths=("label",),
                process_path="process",
                title=lambda i: i.title,
                url=lambda i: (
                    reverse("negotiation:workspace", args=[i.process.slug]) + f"#issue-{i.pk}"
                ),
                text_fields=("title", "description"),
            ),
            Kind(
                name="negotiation.position",
                model_label="negotiation.Position",
                label_paths=("label", "issue__label"),
                process_path="issue__process",
                title=lambda p: f"position of {p.party.code} on {p.issue.title}",
                text_fields=("interests", "evidence", "red_line_note"),
                read=positions,
            ),
            Kind(
                name="negotiation.positionrelease",
                model_label="negotiation.PositionRelease",
                label_paths=("label",),
                process_path="position__issue__process",
                title=lambda r: f"release of the position of {r.position.party.code}",
            ),
            Kind(
                name="negotiation.document",
                model_label="negotiation.Document",
                label_paths=("label",),
                process_path="process",
                title=lambda d: d.title,
                url=text_url,
                text_fields=("title",),
            ),
            Kind(
                name="negotiation.clause",
                model_label="negotiation.Clause",
                label_paths=("document__label",),
                process_path="document__process",
                title=lambda c: f"clause of {c.document.title}",
                url=lambda c: text_url(c.document) + f"#clause-{c.pk}",
            ),
            Kind(
                name="negotiation.version",
                model_label="negotiation.Version",
                label_paths=("document__label",),
                process_path="document__process",
                title=lambda v: f"{v.document.title}, version {v.number}",
            ),
            Kind(
                name="negotiation.stance",
                model_label="negotiation.Stance",
                label_paths=("label", "clause__document__label"),
                process_path="clause__document__process",
                text_fields=("comment",),
            ),
            Kind(
                name="negotiation.amendment",
                model_label="negotiation.Amendment",
                label_paths=("label", "document__label"),
                process_path="document__process",
                title=lambda a: f"amendment to {a.document.title}",
                text_fields=("text", "rationale"),
            ),
            Kind(
                name="negotiation.amendmentcomment",
                model_label="negotiation.AmendmentComment",
                label_paths=("label", "amendment__label", "amendment__document__label"),
                process_path="amendment__document__process",
                text_fields=("text",),
            ),
            Kind(
                name="negotiation.signature",
                model_label="negotiation.Signature",
                label_paths=("label", "version__document__label"),
                process_path="version__document__process",
            ),
            Kind(
                name="negotiation.analysisrun",
                model_label="negotiation.AnalysisRun",
                label_paths=("label",),
                process_path="process",
                title=lambda r: f"analysis run {r.pk}",
                url=lambda r: reverse("negotiation:analysis_run", args=[r.process.slug, r.pk]),
            ),
        ):
            register(kind)

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.negotiation.demo import load

        load(process)
