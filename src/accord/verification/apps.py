from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "accord.verification"
    label = "verification"
    verbose_name = "Accord verification"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""
        from django.urls import reverse

        from accord.core.links import Kind, register
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(
            Section(
                "claims",
                "Claims",
                "verification:claims",
                50,
                "Verification",
                pages=(
                    ("verification", "claim"),
                    ("verification", "techniques"),
                    ("verification", "tracker"),
                ),
            ),
            group_order=50,
        )
        add_section(
            Section(
                "sources",
                "Sources",
                "verification:sources",
                51,
                "Verification",
                pages=(("verification", "source"),),
            )
        )
        register(
            Kind(
                name="verification.source",
                model_label="verification.Source",
                label_paths=("label",),
                process_path="process",
                title=lambda s: s.name,
                url=lambda s: reverse("verification:source", args=[s.process.slug, s.pk]),
                text_fields=("name", "notes"),
            )
        )
        register(
            Kind(
                name="verification.claim",
                model_label="verification.Claim",
                label_paths=("label",),
                process_path="process",
                title=lambda c: c.text[:80],
                url=lambda c: reverse("verification:claim", args=[c.process.slug, c.pk]),
                text_fields=("text",),
            )
        )
        add_section(
            Section(
                "public_lines",
                "Public lines",
                "verification:lines",
                52,
                "Verification",
                pages=(("verification", "line"), ("verification", "public")),
            )
        )
        register(
            Kind(
                name="verification.publicline",
                model_label="verification.PublicLine",
                label_paths=("label",),
                process_path="process",
                title=lambda ln: ln.title,
                url=lambda ln: reverse("verification:line", args=[ln.process.slug, ln.pk]),
                text_fields=("title", "audience"),
            )
        )
        register(
            Kind(
                name="verification.assessment",
                model_label="verification.Assessment",
                label_paths=("label", "claim__label"),
                process_path="claim__process",
                title=lambda a: f"Assessment {a.rating} of a claim",
                url=lambda a: reverse(
                    "verification:claim", args=[a.claim.process.slug, a.claim_id]
                ),
                text_fields=("rationale",),
            )
        )

        register(
            Kind(
                name="verification.evidence",
                model_label="verification.Evidence",
                label_paths=("label", "claim__label"),
                process_path="claim__process",
                title=lambda e: e.name,
                url=lambda e: reverse(
                    "verification:claim", args=[e.claim.process.slug, e.claim_id]
                ),
                text_fields=("name", "note"),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.verification.demo import load

        load(process)
