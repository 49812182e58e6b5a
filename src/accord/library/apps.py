from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "accord.library"
    label = "library"
    verbose_name = "Accord library"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""
        from accord.ui.sections import Section
        from accord.ui.sections import register as add_section

        add_section(
            Section(
                "library-agreements",
                "Agreements (PA-X)",
                "library:agreements",
                66,
                "Library",
                pages=(("library", "agreement"),),
            ),
            group_order=66,
        )
        add_section(
            Section(
                "library-compare",
                "Compare a draft",
                "library:compare",
                67,
                "Library",
                pages=(("library", "compare"),),
            )
        )
        add_section(
            Section(
                "library-cases",
                "Case studies",
                "library:cases",
                68,
                "Library",
                pages=(("library", "case"),),
            )
        )
        add_section(
            Section(
                "library-lessons",
                "Lessons",
                "library:lessons",
                69,
                "Library",
                pages=(("library", "lesson"),),
            )
        )

        from django.urls import reverse

        from accord.core.links import Kind, register

        register(
            Kind(
                name="library.lesson",
                model_label="library.Lesson",
                label_paths=("label",),
                process_path="process",
                title=lambda x: x.title,
                url=lambda x: reverse("library:lesson", args=[x.process.slug, x.pk]),
                text_fields=("title", "observation", "lesson", "remedial_action", "validation"),
            )
        )

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.library.demo import load

        load(process)
