"""URL map: each app owns its URLs; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

from attain.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("attain.web.urls")),
]
