from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "accord.core"
    label = "core"
    verbose_name = "Accord core"

    def ready(self) -> None:
        from accord.core import (
            links,
            signals,  # noqa: F401  (sign-in events → record)
        )

        links.register(
            links.Kind(
                name="core.member",
                model_label="core.Member",
                label_paths=("label",),
                process_path="process",
                title=lambda m: m.display_name,
                text_fields=("title",),
            )
        )
