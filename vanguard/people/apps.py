from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "vanguard.people"
    label = "people"
    verbose_name = "人员"

    def ready(self):
        from vanguard.people import receivers  # noqa: F401
