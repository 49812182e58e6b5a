from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "accord.ledger"
    label = "ledger"
    verbose_name = "Accord ledger"

    def ready(self) -> None:
        from accord.ui.sections import Section, register

        register(
            Section(
                "timeline", "Timeline", "ledger:timeline", 91, "Record", pages=(("ledger", ""),)
            ),
            group_order=90,
        )
        register(
            Section(
                "verify",
                "Verify the record",
                "ledger:verify",
                92,
                "Record",
                pages=(("ledger", "verify"),),
            )
        )
