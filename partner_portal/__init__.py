"""Partner Portal: the application factory."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from flask import Flask, request
from markupsafe import Markup, escape

from . import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, start-up work."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance_path = (test_config or {}).get("INSTANCE_PATH", app.instance_path)
    app.instance_path = instance_path
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.load(instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 31536000  # static names carry versions
    logging.basicConfig(level=logging.INFO)

    from .web import (
        assets,
        compression,
        errors,
        fragments,
        header,
        headers,
        i18n,
        inputs,
        kept_responses,
        ratelimits,
        safety,
    )

    _init_extensions(app)
    i18n.register(app)
    inputs.register(app)  # before the blueprints, whose rules take its `int` converter when added
    _register_blueprints(app)
    errors.register(app)
    headers.register(app)
    compression.register(app)
    assets.register(app)
    header.register(app)
    fragments.register(app)
    safety.register(app)
    # Around everything of the app's own (workspace host names included): a kept response is
    # served before anything else of the app runs.
    kept_responses.install(app)
    # Outermost WSGI layer: everything below sees the client address and scheme the trusted
    # proxies reported.
    ratelimits.trust_proxies(app)

    from . import cli

    cli.register(app)
    _templating(app)

    if not app.config.get("TESTING"):
        _start_up(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import jobs
    from .database import init_engine_events
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    init_engine_events(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    jobs.init_app(app)

    @login_manager.user_loader
    def load_user(identity: str):
        """The user of the live session record whose secret the session or remember cookie carries."""
        from .auth.services import signed_in_user

        return signed_in_user(identity, request.remote_addr or "")

    @login_manager.unauthorized_handler
    def unauthorized():
        from .web.guards import unauthorized as send_to_sign_in

        return send_to_sign_in()


# Features whose views are registered, in order. Each package defines its blueprint in
# __init__.py and its routes in views.py; the views are imported here, not by the package, so a
# feature's services and queries can import another feature's without pulling in (and cycling
# through) its views.
FEATURES = (
    "auth",
    "home",
    "accounts",
    "connections",
    "customers",
    "licensing",
    "notifications",
    "tickets",
    "csp",
    "workspaces",
    "audit",
    "allocation",
    "support",
    "onboarding",
    "operator",
    "tokens",
    "webhooks",
    "api",
    "feeds",
)


def _register_blueprints(app: Flask) -> None:
    import importlib

    for name in FEATURES:
        importlib.import_module(f".{name}.views", __name__)
        app.register_blueprint(importlib.import_module(f".{name}", __name__).bp)


def _templating(app: Flask) -> None:
    from .web import htmx, links

    links.register(app)
    app.jinja_env.globals["HTMX_SCRIPT"] = htmx.HTMX_SCRIPT
    app.jinja_env.globals["PLOTLY_SCRIPT"] = "vendor/plotly-basic-4.1.1.min.js"
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.template_filter("breakable_email")
    def breakable_email(value: str) -> Markup:
        """An email that may wrap after its @ (never in the middle of a word)."""
        local, at, domain = value.partition("@")
        # Markup.format escapes both halves; the only markup is the literal <wbr>.
        return Markup("{}@<wbr>{}").format(local, domain) if at else escape(local)

    from .licensing.bandwidth import gb_short, gb_text

    app.add_template_filter(gb_text, "gb")
    app.add_template_filter(gb_short, "gb_short")


def _start_up(app: Flask) -> None:
    """Warn about per-worker rate-limit counters; apply migrations and, on an empty database, load
    the demo world (unless PORTAL_DEMO=0); when serving, start the background-job consumer thread
    (JOBS_IN_PROCESS)."""
    from . import jobs
    from .database import startup_lock, upgrade_schema
    from .demo.services import demo_loaded, load_demo, print_sign_ins
    from .web.ratelimits import memory_storage_warning

    warning = memory_storage_warning(app.config["RATELIMIT_STORAGE_URI"], sys.argv, os.environ)
    if warning:
        app.logger.warning(warning)
    with app.app_context():
        if app.config["PORTAL_AUTO_MIGRATE"]:
            with startup_lock(app):
                upgrade_schema()
                if app.config["PORTAL_DEMO"] and load_demo(only_if_empty=True):
                    app.logger.info("Loaded the demo world into an empty database.")
        # Print the sign-ins when serving (flask run, gunicorn), not for every CLI command.
        serving = "run" in sys.argv[1:] or "gunicorn" in Path(sys.argv[0]).name
        if app.config["PORTAL_DEMO"] and serving and demo_loaded():
            print_sign_ins()
    if serving and app.config["JOBS_IN_PROCESS"]:
        jobs.start_in_process_consumer(app)
