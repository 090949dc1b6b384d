from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "madrasa.results"
    label = "results"
    verbose_name = "Results"
