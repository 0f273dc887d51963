"""The roles of the authorization matrix, each a way of signing a test client in.

A role is pluggable: register one with @role and give it a column in matrix.csv (or leave the
column out and name `like`, the role whose expected outcomes it shares until it gets its own). An
API-token role, for example, signs nobody in: it sets a bearer token on the client and is `like`
anonymous for the web pages, with its own column once the /api/v1 rows exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..conftest import TEST_PASSWORD
from partner_portal.models import Permission

from .world import World


@dataclass(frozen=True)
class Role:
    """Who makes the requests of one column of the matrix."""

    name: str
    description: str
    sign_in: Callable  # (client, world) -> None
    like: str | None = None


ROLES: dict[str, Role] = {}


def role(name: str, description: str, like: str | None = None):
    """Register the decorated function (client, world) -> None as the sign-in of role `name`."""

    def register(sign_in):
        ROLES[name] = Role(name, description, sign_in, like)
        return sign_in

    return register


def _password_sign_in(client, user) -> None:
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 303 and "/sign-in" not in response.location, (
        f"{user.email} could not sign in: {response.status_code}")


def _admin_role(name: str, description: str) -> None:
    role(name, description)(lambda client, world: _password_sign_in(client, world.users[name]))


@role("anonymous", "nobody signed in")
def _anonymous(client, world: World) -> None:
    """No cookies at all."""


_admin_role("partner_full", "full-access administrator of partner A")
_admin_role("partner_dashboard", "custom administrator of A with Customer Dashboard (View Only) only")
_admin_role("partner_custom", "custom administrator of A with every permission but the Customer Dashboard")
_admin_role("lapsed_partner", "full administrator of partner L, whose only membership lapsed (L is connected to C)")
_admin_role("other_partner", "full administrator of partner B (its own customer D, its own domain)")
_admin_role("customer_connected", "full administrator of customer C, connected to A")
_admin_role("customer_unconnected", "full administrator of customer D, not connected to A (invited to A)")
_admin_role("connection_ended", "a partner's administrator of E whose access ended with A's connection to E")
_admin_role("operator", "customer-service operator with no administrator role")


@role("directory_user", "C's directory user signed in to C's workspace at A (no portal session)")
def _directory_user(client, world: World) -> None:
    slug = world.subjects["C.workspace_slug"]
    response = client.post(f"/workspace/{slug}", data={"user_name": world.directory_user.sign_in_name,
                                                       "password": TEST_PASSWORD})
    assert response.status_code in (302, 303) and response.location.endswith("/apps"), response.status_code


# --- the JSON API: bearer tokens -------------------------------------------------------------------
# A token opens no session: on the web pages each token role is `like` anonymous; on the /api/v1
# rows it has a column of its own. Every cookie role above is the API's "cookies only" caller: its
# cells on /api/v1 rows are 401 (cookies never authenticate the API).

def _token_role(name: str, description: str, subject: str, like: str = "anonymous") -> None:
    def sign_in(client, world: World) -> None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.subjects[subject]}"

    role(name, description, like=like)(sign_in)


_token_role("api_full", "full-access API token of A's full administrator", "api.full")
_token_role("api_dashboard", "API token of A with the Customer Dashboard permission only", "api.dashboard")
_token_role("api_no_scope", "API token of A with custom access and no permission at all", "api.no_scope")
_token_role("api_expired", "full-access API token of A that has expired", "api.expired")
_token_role("api_revoked", "full-access API token of A that was revoked", "api.revoked")
_token_role("api_other_org", "full-access API token of partner B (A's and C's ids are 404)", "api.other_org")
_token_role("api_customer", "full-access API token of customer C (connected to A)", "api.customer")
_token_role("api_operator", "customer-service operator's API token (operator routes only)", "api.operator")

# With and without each permission (scope): a token holding only it, and one holding every other
# permission (custom access). Their columns are filled on the /api/v1 rows; `like` is what they
# fall back to elsewhere (the web pages, where a token is anonymous).
# (Only the Customer Dashboard is api_dashboard above.)
for _permission in Permission:
    if _permission is not Permission.CUSTOMER_DASHBOARD:
        _token_role(f"api_only_{_permission.name.lower()}", f"API token of A with only {_permission.label}",
                    f"api.only.{_permission.value}", like="api_no_scope")
    _token_role(f"api_without_{_permission.name.lower()}",
                f"API token of A with every permission but {_permission.label} (custom access)",
                f"api.without.{_permission.value}", like="api_full")
