from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "madrasa.bulletins"
    label = "bulletins"
    verbose_name = "Bulletins"
