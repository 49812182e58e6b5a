from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "accord.library"
    label = "library"
    verbose_name = "Accord library"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.library.demo import load

        load(process)
