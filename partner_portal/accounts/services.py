"""Administrator rules."""
from __future__ import annotations

from sqlalchemy import func, select

from ..auth.services import find_user
from ..extensions import db
from ..models import Access, Administrator, Organization, Permission, User


class AccountError(Exception):
    """A user-facing refusal, with the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _clean_permissions(access: Access, permissions) -> frozenset[str]:
    """Custom access keeps known permission codes; full access needs none."""
    if access is Access.FULL:
        return frozenset()
    known = {p.value for p in Permission}
    return frozenset(code for code in permissions if code in known)


def add_administrator(org: Organization, email: str, name: str, access: Access, permissions, by: User) -> Administrator:
    """Make the person with `email` an administrator of `org`, creating their user if needed.

    A new user has no password until they use Forgot password?. Raises AccountError when they
    already administer `org`.
    """
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name or "")
        db.session.add(user)
        db.session.flush()
    elif db.session.scalar(select(Administrator.id).where(
            Administrator.user_id == user.id, Administrator.organization_id == org.id)):
        raise AccountError("That person is already an administrator of this account.", "email")
    admin = Administrator(user_id=user.id, organization_id=org.id, access=access,
                          permissions=_clean_permissions(access, permissions), added_by_id=by.id)
    db.session.add(admin)
    db.session.commit()
    return admin


def change_access(admin: Administrator, access: Access, permissions) -> None:
    """Set an administrator's access; refuses to leave the organization without a full-access one."""
    if admin.is_full and access is not Access.FULL:
        full = db.session.scalar(
            select(func.count()).select_from(Administrator)
            .where(Administrator.organization_id == admin.organization_id, Administrator.access == Access.FULL)
        )
        if full <= 1:
            raise AccountError("An account needs at least one full-access administrator.", "access")
    admin.access = access
    admin.permissions = _clean_permissions(access, permissions)
    db.session.commit()
