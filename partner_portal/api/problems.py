"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from flask import Response, json, request

from ..web.inputs import NUL_MESSAGE

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
}


class ApiError(Exception):
    """A refusal the API answers as a problem, with optional field errors (field -> [messages])."""

    def __init__(self, status: int, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or {}


def problem(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> Response:
    """A problem+json response; a 401 also names the scheme the API expects."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="partner-portal-api"'
    return response


def _has_nul(value) -> bool:
    """True when a NUL character hides anywhere in a JSON value (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def json_object() -> dict:
    """The request's JSON object; 415 when it is not JSON, 400 when it is not an object or holds a
    NUL character (as every form and query string: PostgreSQL can't store one)."""
    if not request.is_json:
        raise ApiError(415, "Send a JSON object with Content-Type: application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    if _has_nul(body):
        raise ApiError(400, NUL_MESSAGE)
    return body
