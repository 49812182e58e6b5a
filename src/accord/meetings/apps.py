from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"
    verbose_name = "Accord meetings"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.meetings.demo import load

        load(process)
