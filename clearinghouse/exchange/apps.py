from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clearinghouse.exchange"
    verbose_name = "Exchange (STIX 2.1 and TAXII 2.1)"

    def ready(self) -> None:
        from clearinghouse.exchange import signals

        signals.connect()
