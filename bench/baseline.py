"""The benchmark's yardstick: a bare Flask view rendering a tiny template, with no database, no
session and no extension. The suite serves it with the same gunicorn settings as the portal and
reports every page as a share of its throughput, so figures hold on a slower or busier machine.

    gunicorn -w 1 -b 127.0.0.1:8001 'bench.baseline:create_app()'
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template


def create_app() -> Flask:
    """The bare app: one route, one small template."""
    app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent / "templates"))

    @app.get("/")
    def hello():
        """A tiny page rendered by Jinja."""
        return render_template("baseline.html", title="Baseline", name="partner")

    return app
