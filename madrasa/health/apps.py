from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "madrasa.health"
    label = "health"
    verbose_name = "Health"
