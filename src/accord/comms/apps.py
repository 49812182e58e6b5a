from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "accord.comms"
    label = "comms"
    verbose_name = "Accord secure channels"

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.comms.demo import load

        load(process)
