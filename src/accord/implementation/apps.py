from django.apps import AppConfig


class ImplementationConfig(AppConfig):
    name = "accord.implementation"
    label = "implementation"
    verbose_name = "Accord implementation"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""
        from django.urls import reverse

        from accord.core.links import Kind, register
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(
            Section(
                "agreements",
                "Agreements",
                "implementation:agreements",
                60,
                "Implementation",
                pages=(("implementation", "agreement"),),
            ),
            group_order=60,
        )
        add_section(
            Section(
                "commitments",
                "Commitments",
                "implementation:commitments",
                61,
                "Implementation",
                pages=(("implementation", "commitment"),),
            )
        )
        add_section(
            Section(
                "violations",
                "Violation reports",
                "implementation:violations",
                62,
                "Implementation",
                pages=(("implementation", "violation"),),
            )
        )
        register(
            Kind(
                name="implementation.violation",
                model_label="implementation.Violation",
                label_paths=("label", "agreement__label"),
                process_path="agreement__process",
                title=lambda v: v.title,
                url=lambda v: reverse(
                    "implementation:violation", args=[v.agreement.process.slug, v.pk]
                ),
                text_fields=("title", "allegation", "place_name"),
            )
        )
        register(
            Kind(
                name="implementation.agreement",
                model_label="implementation.Agreement",
                label_paths=("label",),
                process_path="process",
                title=lambda a: a.title,
                url=lambda a: reverse("implementation:agreement", args=[a.process.slug, a.pk]),
                text_fields=("title", "summary"),
            )
        )
        register(
            Kind(
                name="implementation.provision",
                model_label="implementation.Provision",
                label_paths=("agreement__label",),
                process_path="agreement__process",
                title=lambda p: f"Provision {p.number}",
                text_fields=("text", "heading"),
            )
        )
        register(
            Kind(
                name="implementation.commitment",
                model_label="implementation.Commitment",
                label_paths=("label", "agreement__label"),
                process_path="agreement__process",
                title=lambda c: c.what[:80],
                url=lambda c: reverse(
                    "implementation:commitment", args=[c.agreement.process.slug, c.pk]
                ),
                text_fields=("what", "evidence_expected"),
            )
        )
        register(
            Kind(
                name="implementation.compliancereport",
                model_label="implementation.ComplianceReport",
                label_paths=("label", "commitment__label", "commitment__agreement__label"),
                process_path="commitment__agreement__process",
                title=lambda r: r.text[:80],
                text_fields=("text", "evidence"),
            )
        )
        register(
            Kind(
                name="implementation.deadlineproposal",
                model_label="implementation.DeadlineProposal",
                label_paths=("agreement__label",),
                process_path="agreement__process",
                title=lambda p: p.phrase,
                text_fields=("sentence",),
            )
        )
        register(
            Kind(
                name="implementation.score",
                model_label="implementation.Score",
                label_paths=("label", "agreement__label"),
                process_path="agreement__process",
                title=lambda s: f"Score of provision {s.provision.number}, period {s.period}",
                text_fields=("evidence",),
            )
        )

        register(
            Kind(
                name="implementation.reportattachment",
                model_label="implementation.ReportAttachment",
                label_paths=(
                    "label",
                    "report__label",
                    "report__commitment__label",
                    "report__commitment__agreement__label",
                ),
                process_path="report__commitment__agreement__process",
                title=lambda f: f.name,
                url=lambda f: reverse(
                    "implementation:commitment",
                    args=[f.report.commitment.agreement.process.slug, f.report.commitment_id],
                ),
                text_fields=("name", "note"),
            )
        )
        register(
            Kind(
                name="implementation.stepattachment",
                model_label="implementation.StepAttachment",
                label_paths=(
                    "label",
                    "step__violation__label",
                    "step__violation__agreement__label",
                ),
                process_path="step__violation__agreement__process",
                title=lambda f: f.name,
                url=lambda f: reverse(
                    "implementation:violation",
                    args=[f.step.violation.agreement.process.slug, f.step.violation_id],
                ),
                text_fields=("name", "note"),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.implementation.demo import load

        load(process)
