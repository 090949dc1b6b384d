from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "madrasa.registry"
    label = "registry"
    verbose_name = "Registry"
