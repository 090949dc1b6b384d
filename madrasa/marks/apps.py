from django.apps import AppConfig


class MarksConfig(AppConfig):
    name = "madrasa.marks"
    label = "marks"
    verbose_name = "Marks"
