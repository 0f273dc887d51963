"""Administrator rules: who may add, change and remove administrators, invitations to join an
organization, and partner-program memberships."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.services import find_user
from ..connections.services import ensure_invitation_token
from ..database import begin_serialized
from ..extensions import db
from ..mail import queue_mail
from ..web.i18n import DEFAULT, LANGUAGES, force_locale, gettext, lazy_gettext, recipient_locale
from ..models import (
    Access,
    ActivityKind,
    Administrator,
    AdministratorInvitation,
    MembershipStatus,
    Organization,
    Permission,
    Program,
    ProgramMembership,
    User,
)

LAST_FULL_ADMIN = lazy_gettext(
    "An account needs at least one full-access administrator of its own (not one added by a partner). "
    "Give someone else full access first."
)
NOT_YOURS = lazy_gettext(
    "Your access to this account comes from a partner connection, so you can't change or remove the "
    "account's own administrators."
)


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


def _own_full_admins(org_id: int) -> int:
    """Full-access administrators of the organization's own (not granted through a partner)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Administrator)
            .where(
                Administrator.organization_id == org_id,
                Administrator.access == Access.FULL,
                Administrator.via_connection_id.is_(None),
            )
        )
        or 0
    )


def can_manage(actor: Administrator, admin: Administrator) -> bool:
    """True when `actor` may change or remove `admin`: a full-access administrator, and one whose
    access came through a partner only for other partner-granted administrators."""
    return (
        actor.is_full
        and actor.organization_id == admin.organization_id
        and (not actor.is_via_partner or admin.is_via_partner)
    )


def _locked(admin_id: int, actor_id: int) -> tuple[Administrator, Administrator]:
    """Lock the organization of `admin_id`, then reload the administrator and the actor.

    Every change that could leave an organization without a full-access administrator takes
    this lock first, so two administrators demoting each other at once can't both succeed.
    """
    org_id = db.session.scalar(select(Administrator.organization_id).where(Administrator.id == admin_id))
    if org_id is None:
        raise AccountError(gettext("That administrator no longer exists."))
    begin_serialized(Organization, org_id)
    admin = db.session.get(Administrator, admin_id, populate_existing=True)
    actor = db.session.get(Administrator, actor_id, populate_existing=True)
    if admin is None or actor is None or actor.organization_id != admin.organization_id or not actor.is_full:
        db.session.rollback()
        raise AccountError(gettext("Your access changed in the meantime. Reload the page and try again."))
    if not can_manage(actor, admin):
        db.session.rollback()
        raise AccountError(NOT_YOURS, "access")
    return admin, actor


def _keeps_a_full_admin(admin: Administrator) -> None:
    """Refuse a change that would take away the organization's last own full-access administrator."""
    if admin.is_full and not admin.is_via_partner and _own_full_admins(admin.organization_id) <= 1:
        db.session.rollback()
        raise AccountError(LAST_FULL_ADMIN, "access")


def add_administrator(
    org: Organization, email: str, name: str, access: Access, permissions, by: Administrator
) -> Administrator | AdministratorInvitation:
    """Give the person with `email` administrator access to `org`.

    A new person gets an account at once (no password until they set one with Forgot
    password?). A person who already has an account is only *invited*: nothing changes for them
    until they accept. Access offered by an administrator who came through a partner comes
    through that partner's connection too. Raises AccountError (nothing written).
    """
    org_id, by_user_id, via = org.id, by.user_id, by.via_connection_id
    permissions = _clean_permissions(access, permissions)
    for _attempt in range(2):
        begin_serialized(Organization, org_id)
        user = find_user(email)
        if user is not None:
            return _invite(org_id, user, access, permissions, by_user_id, via)
        user = User(email=email, name=name or "")
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:
            # The same new email was added somewhere else at this moment: it is an existing
            # person now, so invite them instead.
            db.session.rollback()
            continue
        admin = Administrator(
            user_id=user.id,
            organization_id=org_id,
            access=access,
            permissions=permissions,
            added_by_id=by_user_id,
            via_connection_id=via,
        )
        db.session.add(admin)
        _log(org_id, "added", by_user_id, f"Added {email} as an administrator with {_access_words(admin)}.", email)
        org_name = db.session.get(Organization, org_id).name
        with recipient_locale(user):
            subject = gettext("You are an administrator of %(org)s on Partner Portal", org=org_name)
            body = gettext(
                "Hello,\n\nYou were made an administrator of %(org)s on Partner Portal.\n\n"
                "To sign in, set your password: open %(url)s and enter %(email)s.\n",
                org=org_name,
                url=url_for("auth.forgot_password", _external=True),
                email=email,
            )
        queue_mail(email, subject, body)
        db.session.commit()
        return admin
    raise AccountError(gettext("That email was registered a moment ago. Try again."), "email")


def _invite(
    org_id: int, user: User, access: Access, permissions: frozenset[str], by_user_id: int, via: int | None
) -> AdministratorInvitation:
    """Record an invitation for an existing person and tell them by email."""
    user_id, email = user.id, user.email
    if db.session.scalar(
        select(Administrator.id).where(Administrator.user_id == user_id, Administrator.organization_id == org_id)
    ):
        raise AccountError(gettext("That person is already an administrator of this account."), "email")
    invitation = AdministratorInvitation(
        organization_id=org_id,
        user_id=user_id,
        access=access,
        permissions=permissions,
        invited_by_id=by_user_id,
        via_connection_id=via,
    )
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(gettext("That person has already been invited and has not answered yet."), "email") from None
    _log(
        org_id,
        "invited",
        by_user_id,
        f"Invited {email} to become an administrator with {_access_words(invitation)}.",
        email,
    )
    org_name = db.session.get(Organization, org_id).name
    with recipient_locale(user):
        subject = gettext("Invitation to administer %(org)s on Partner Portal", org=org_name)
        body = gettext(
            "Hello,\n\nYou are invited to become an administrator of %(org)s on Partner Portal.\n\n"
            "Sign in and accept or decline the invitation here: %(url)s"
            "\n\nNothing changes for your account unless you accept.\n",
            org=org_name,
            url=url_for("accounts.invitations", _external=True),
        )
    queue_mail(email, subject, body)
    db.session.commit()
    return invitation


def accept_admin_invitation(invitation: AdministratorInvitation) -> Administrator:
    """Turn an invitation into administrator access for its person (once)."""
    invitation_id = invitation.id
    begin_serialized(Organization, invitation.organization_id)
    invitation = db.session.get(AdministratorInvitation, invitation_id, populate_existing=True)
    if invitation is None:
        db.session.rollback()
        raise AccountError(gettext("This invitation was withdrawn or has already been answered."))
    admin = Administrator(
        user_id=invitation.user_id,
        organization_id=invitation.organization_id,
        access=invitation.access,
        permissions=invitation.permissions,
        added_by_id=invitation.invited_by_id,
        via_connection_id=invitation.via_connection_id,
    )
    db.session.delete(invitation)
    db.session.add(admin)
    email = db.session.get(User, admin.user_id).email
    _log(
        admin.organization_id,
        "joined",
        admin.user_id,
        f"{email} accepted the invitation and is now an administrator with {_access_words(admin)}.",
        email,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(gettext("You are already an administrator of this account.")) from None
    return admin


def withdraw_admin_invitation(invitation: AdministratorInvitation, by: User) -> None:
    """Delete an unanswered invitation (declined by its person, or withdrawn by the organization)."""
    email = db.session.get(User, invitation.user_id).email
    declined = invitation.user_id == by.id
    _log(
        invitation.organization_id,
        "declined" if declined else "withdrawn",
        by.id,
        f"{email} declined the invitation to become an administrator."
        if declined
        else f"Withdrew the invitation of {email} to become an administrator.",
        email,
    )
    db.session.delete(invitation)
    db.session.commit()


def change_access(admin: Administrator, access: Access, permissions, by: Administrator) -> None:
    """Set an administrator's access. Refuses to leave the organization without a full-access
    administrator of its own, and refuses partner-granted administrators any change to the
    organization's own administrators."""
    admin, _actor = _locked(admin.id, by.id)
    if access is not Access.FULL:
        _keeps_a_full_admin(admin)
    admin.access = access
    admin.permissions = _clean_permissions(access, permissions)
    email = db.session.get(User, admin.user_id).email
    _log(
        admin.organization_id,
        "access changed",
        by.user_id,
        f"Changed the access of {email} to {_access_words(admin)}.",
        email,
    )
    db.session.commit()


def remove_administrator(admin: Administrator, by: Administrator) -> None:
    """Take away an administrator's access to the organization (the person's account stays),
    under the same rules as change_access."""
    admin, _actor = _locked(admin.id, by.id)
    _keeps_a_full_admin(admin)
    email = db.session.get(User, admin.user_id).email
    _log(admin.organization_id, "removed", by.user_id, f"Removed {email} as an administrator.", email)
    db.session.delete(admin)
    db.session.commit()


def set_membership(
    org: Organization, program: Program, active: bool, by: User | None = None, label: str | None = None
) -> ProgramMembership:
    """Record an organization's partner-program membership as active or lapsed. An active one
    badges the organization; it gets its fixed invitation link then. A change is written to the
    organization's activity log (as `label`, else `by`, else the command line)."""
    org_id = org.id
    begin_serialized(Organization, org_id)
    membership = db.session.scalar(
        select(ProgramMembership).where(
            ProgramMembership.organization_id == org_id, ProgramMembership.program == program
        )
    )
    if membership is None:
        membership = ProgramMembership(organization_id=org_id, program=program)
        db.session.add(membership)
    status = MembershipStatus.ACTIVE if active else MembershipStatus.LAPSED
    if membership.status is not status:
        effect = (
            "is active: the partner badge and partner pages are on"
            if active
            else "lapsed: the partner badge and partner pages are off"
        )
        with force_locale(DEFAULT):  # the log is written in English, whoever reads it
            program_name = str(program.label)
        record(
            org_id,
            ActivityKind.MEMBERSHIP,
            "granted" if active else "lapsed",
            f"{program_name} membership {effect}.",
            by=by,
            label=label,
            target=program_name,
        )
    membership.status = status
    if active:
        ensure_invitation_token(org_id)
    db.session.commit()
    return membership


def _access_words(admin: Administrator | AdministratorInvitation) -> str:
    """'full access', or 'custom access (Licensing, …)' for the log."""
    if admin.access is Access.FULL:
        return "full access"
    with force_locale(DEFAULT):  # the log is written in English, whoever reads it
        labels = [str(p.label) for p in Permission if p.value in admin.permissions]
    return f"custom access ({', '.join(labels)})" if labels else "custom access (no permissions)"


def _log(org_id: int, action: str, actor_id: int, summary: str, target: str) -> None:
    """Write an administrator change to the organization's activity log (uncommitted)."""
    record(org_id, ActivityKind.ADMINISTRATOR, action, summary, by=db.session.get(User, actor_id), target=target)


def set_language(user: User, code: str | None) -> None:
    """Remember the language `user` chose (None: follow the browser's Accept-Language)."""
    if code is not None and code not in LANGUAGES:
        raise AccountError(gettext("Choose one of the languages offered."), "language")
    db.session.execute(update(User).where(User.id == user.id).values(locale=code))
    db.session.commit()
