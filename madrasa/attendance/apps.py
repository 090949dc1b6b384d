from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "madrasa.attendance"
    label = "attendance"
    verbose_name = "Attendance"
