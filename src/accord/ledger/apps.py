from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "accord.ledger"
    label = "ledger"
    verbose_name = "Accord ledger"
