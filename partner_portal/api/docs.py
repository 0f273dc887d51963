"""The OpenAPI document's routes: the JSON and a readable page rendered from it on the server."""

from __future__ import annotations

from flask import jsonify, render_template

from . import bp
from .openapi import document


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document())


@bp.get("/docs")
def docs():
    """The API reference as an HTML page, rendered from the OpenAPI document (no script)."""
    return render_template("api/docs.html", doc=document())
