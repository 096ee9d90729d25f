"""URL map: each app owns its URLs; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("attain.web.urls")),
]
