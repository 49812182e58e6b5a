from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "accord.verification"
    label = "verification"
    verbose_name = "Accord verification"

    def ready(self) -> None:
        """Declare this app's linkable kinds (core.links) and header sections (ui.sections)."""

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.verification.demo import load

        load(process)
