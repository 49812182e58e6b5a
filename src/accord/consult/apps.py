from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "accord.consult"
    label = "consult"
    verbose_name = "Accord consultations"

    def load_demo(self, process) -> None:
        """Add this app's demo content to the demo process (called by core.demo.load_demo)."""
        from accord.consult.demo import load

        load(process)
