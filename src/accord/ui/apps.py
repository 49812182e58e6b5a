from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "accord.ui"
    label = "ui"
    verbose_name = "Accord web UI"
