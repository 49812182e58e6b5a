from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "accord.consult"
    label = "consult"
    verbose_name = "Accord consultations"

    def ready(self) -> None:
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(
            Section(
                "consultations",
                "Consultations",
                "consult:list",
                33,
                "Talks",
                pages=(("consult", ""),),
            )
        )

        from django.urls import reverse

        from accord.core.links import Kind, register

        register(
            Kind(
                name="consult.consultation",
                model_label="consult.Consultation",
                label_paths=("label",),
                process_path="process",
                title=lambda c: c.title,
                url=lambda c: reverse("consult:detail", args=[c.process.slug, c.pk]),
                text_fields=("title", "question"),
            )
        )
        register(
            Kind(
                name="consult.statement",
                model_label="consult.Statement",
                label_paths=("label", "consultation__label"),
                process_path="consultation__process",
                title=lambda s: s.text[:80],
                text_fields=("text",),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.consult.demo import load

        load(process)
