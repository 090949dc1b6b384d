from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "madrasa.accounts"
    label = "accounts"
    verbose_name = "Accounts"
