"""Where a webhook may point: an https URL whose host resolves only to public addresses, unless
WEBHOOKS_ALLOW_PRIVATE (development and tests) lets loopback, private and plain-http endpoints in.

The check runs when an endpoint is registered and again before every delivery, and the delivery
connects to the very address that was checked (a host that re-resolves to 127.0.0.1 between the
check and the connection — DNS rebinding — gains nothing).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

from ..web.i18n import gettext


class EndpointRefused(Exception):
    """The URL may not receive webhooks; the message says why."""


def check_url(url: str) -> tuple[str, int, str]:
    """(host, port, address to connect to) for a URL that may receive webhooks; raises
    EndpointRefused otherwise."""
    allow_private = current_app.config["WEBHOOKS_ALLOW_PRIVATE"]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EndpointRefused(gettext("Enter a valid URL.")) from None
    schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in schemes:
        raise EndpointRefused(gettext("Webhook URLs must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise EndpointRefused(gettext("Enter a URL with a host name and no user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise EndpointRefused(gettext("The host %(host)s could not be resolved.", host=parts.hostname)) from None
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise EndpointRefused(
                    gettext(
                        "The host %(host)s resolves to a private or loopback address (%(address)s); webhooks go "
                        "to public addresses only.",
                        host=parts.hostname,
                        address=address,
                    )
                )
    return parts.hostname, port, addresses[0]
