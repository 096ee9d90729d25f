"""The JSON API: one NinjaAPI, a router per resource, the OpenAPI document at /api/schema
and interactive docs at /api/docs (Swagger UI served from django-ninja's own static files).

Every endpoint reads through :mod:`attain.web.access`, the same rule the pages use; a record
the caller may not see answers 404, exactly like one that does not exist, so ids cannot be
probed.
"""

from __future__ import annotations

from django.db.utils import DataError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from attain.api import admin_routes, engage_routes, more_routes, routes
from attain.api.auth import AUTH

api = NinjaAPI(
    title="Attain API",
    version="1",
    description=("Sales performance management: people, teams, quotas, plans, calculation "
                 "runs and earnings. Authenticate with `Authorization: Bearer <token>` "
                 "(`attain token USERNAME`) or a signed-in session."),
    auth=AUTH,
    openapi_url="/schema",
    docs_url="/docs",
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Sign in or send a valid API token."},
                               status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):
    return api.create_response(request, {"detail": "Invalid request.", "errors": exc.errors},
                               status=422)


api.add_router("/", routes.me)
api.add_router("/people", routes.people)
api.add_router("/teams", routes.teams)
api.add_router("/quotas", routes.quotas)
api.add_router("/plans", routes.plans)
api.add_router("/runs", routes.runs)
api.add_router("/audit", routes.audit_log)
api.add_router("/statements", more_routes.statements)
api.add_router("/metrics", more_routes.metric_routes)
api.add_router("/goals", more_routes.goals)
api.add_router("/disputes", more_routes.disputes)
api.add_router("/payruns", more_routes.payruns)
api.add_router("/imports", more_routes.imports)
api.add_router("/imports", admin_routes.import_history)
api.add_router("/jobs", admin_routes.job_routes)
api.add_router("/forecast", admin_routes.forecast)
api.add_router("/contests", engage_routes.contests)
api.add_router("/badges", engage_routes.badges)


@api.exception_handler(DataError)
def _unstorable(request: HttpRequest, exc: DataError):
    """A value the database refuses even to compare (PostgreSQL: a NUL character in a
    filter, found by the schema fuzz) is the caller's mistake, not a server error."""
    return api.create_response(
        request, {"detail": "Invalid request: a value the database cannot search for "
                            "(for example a NUL character)."}, status=422)

