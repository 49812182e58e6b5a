from django.apps import AppConfig


class ImplementationConfig(AppConfig):
    name = "accord.implementation"
    label = "implementation"
    verbose_name = "Accord implementation"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.implementation.demo import load

        load(process)
