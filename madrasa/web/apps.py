from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "madrasa.web"
    label = "web"
    verbose_name = "Web"
