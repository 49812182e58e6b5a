from django.apps import AppConfig


class NegotiationConfig(AppConfig):
    name = "accord.negotiation"
    label = "negotiation"
    verbose_name = "Accord negotiation workspace"

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.negotiation.demo import load

        load(process)
