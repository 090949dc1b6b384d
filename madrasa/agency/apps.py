from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "madrasa.agency"
    label = "agency"
    verbose_name = "Agency"
