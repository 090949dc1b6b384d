from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "madrasa.imports"
    label = "imports"
    verbose_name = "Imports"
