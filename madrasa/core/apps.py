from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madrasa.core"
    label = "core"
    verbose_name = "Core"
