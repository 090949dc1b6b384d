from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "madrasa.enrolment"
    label = "enrolment"
    verbose_name = "Enrolment"
