from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "madrasa.grading"
    label = "grading"
    verbose_name = "Grading policy"
