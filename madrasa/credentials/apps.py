from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "madrasa.credentials"
    label = "credentials"
    verbose_name = "Credentials"
