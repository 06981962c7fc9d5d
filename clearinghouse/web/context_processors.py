"""What every page needs: the language switcher's links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language_info


def languages(request: HttpRequest) -> dict[str, Any]:
    path = request.get_full_path()
    switcher = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        switcher.append({"code": code, "name": info["name_local"], "url": translate_url(path, code)})
    return {"language_switcher": switcher}
