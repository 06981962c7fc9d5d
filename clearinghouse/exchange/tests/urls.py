"""The project's addresses with the import pages, for their tests until the root ``urls.py`` includes them."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import get_resolver, include, path

from clearinghouse import urls

urlpatterns = list(urls.urlpatterns)
if "exchange_pages" not in get_resolver(urls).namespace_dict:
    urlpatterns += i18n_patterns(path("", include("clearinghouse.exchange.page_urls")), prefix_default_language=True)
handler400, handler403 = urls.handler400, urls.handler403
handler404, handler500 = urls.handler404, urls.handler500
