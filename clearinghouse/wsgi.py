import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")
application = get_wsgi_application()

if os.environ.get("WARM_UP", "1") != "0":
    from clearinghouse.core.warmup import warm_up

    warm_up()  # (the first request's imports, templates and catalogs, before any request: core/warmup.py)
