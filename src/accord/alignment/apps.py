from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "accord.alignment"
    label = "alignment"
    verbose_name = "Accord alignment"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections),
        and listen for new versions of texts (a constraint's source clause may have changed)."""
        from django.urls import reverse

        from accord.alignment.services import on_anchor_date, on_text_version
        from accord.core import events

        events.listen("negotiation.text.version", on_text_version)
        events.listen("implementation.anchor", on_anchor_date)

        from accord.core.links import Kind, register
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        for i, (key, name, url, prefix) in enumerate(
            (
                ("alignment-actions", "Actions", "alignment:actions", "action"),
                (
                    "alignment-constraints",
                    "Zones and constraints",
                    "alignment:constraints",
                    "constraint",
                ),
                ("alignment-map", "Map", "alignment:map", "map"),
                ("alignment-matrix", "Synchronization matrix", "alignment:matrix", "matrix"),
                (
                    "alignment-hns",
                    "Humanitarian notifications",
                    "alignment:notifications",
                    "notification",
                ),
            )
        ):
            add_section(
                Section(key, name, url, 40 + i, "Operations", pages=(("alignment", prefix),)),
                group_order=40 if i == 0 else None,
            )
        register(
            Kind(
                name="alignment.lineofeffort",
                model_label="alignment.LineOfEffort",
                label_paths=("label",),
                process_path="process",
                title=lambda x: x.name,
                url=lambda x: reverse("alignment:matrix", args=[x.process.slug]),
                text_fields=("name", "objectives"),
            )
        )
        register(
            Kind(
                name="alignment.action",
                model_label="alignment.Action",
                label_paths=("label",),
                process_path="process",
                title=lambda x: x.title,
                url=lambda x: reverse("alignment:action", args=[x.process.slug, x.pk]),
                text_fields=("title", "description"),
            )
        )
        register(
            Kind(
                name="alignment.constraint",
                model_label="alignment.Constraint",
                label_paths=("label",),
                process_path="process",
                title=lambda x: x.title,
                url=lambda x: reverse("alignment:constraint", args=[x.process.slug, x.pk]),
                text_fields=("title", "conditions", "source_ref"),
            )
        )

        register(
            Kind(
                name="alignment.notification",
                model_label="alignment.Notification",
                label_paths=("label",),
                process_path="process",
                title=lambda x: x.title,
                url=lambda x: reverse("alignment:notifications", args=[x.process.slug]),
                text_fields=("title", "description", "vehicles"),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.alignment.demo import load

        load(process)
