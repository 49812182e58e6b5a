from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "accord.ui"
    label = "ui"
    verbose_name = "Accord web UI"

    def ready(self) -> None:
        from accord.ui.sections import Section, register

        register(
            Section(
                "dashboard",
                "Dashboard",
                "ui:dashboard",
                10,
                match=lambda app, name: (
                    app == "ui" and name in ("dashboard", "members", "process_edit")
                ),
            )
        )
