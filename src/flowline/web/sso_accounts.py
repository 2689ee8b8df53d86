"""Who a single sign-on is in Flowline: the one place that turns verified claims into a session.

People are matched by their verified email address: a known user signs in (a disabled one is
refused), a new address becomes a user with FLOWLINE_OIDC_DEFAULT_ROLE, and the audit log
records that the sign-on created them.
"""

from fastapi import Request
from sqlmodel import Session

from flowline.core.models.users import UserCreate
from flowline.core.services.audit.user_changes import user_created
from flowline.core.services.users.accounts import create_user, find_user_by_email
from flowline.core.timestamps import utcnow
from flowline.http.actor import SSO_ACTOR
from flowline.web.signin import sign_in_user
from flowline.web.sso import SsoRefused


def sign_in_with_sso(request: Request, session: Session, email: str, name: str) -> None:
    """Start the session of the person with this verified email, or raise `SsoRefused`."""
    role = request.app.state.settings.oidc_default_role
    try:
        wanted = UserCreate(email=email, name=name[:200], role=role)
    except ValueError as error:
        raise SsoRefused("the identity provider gave an address Flowline cannot use") from error
    user = find_user_by_email(session, wanted.email)
    if user is None:
        user = create_user(session, wanted)
        user_created(session, SSO_ACTOR, user, "created by single sign-on")
    if user.disabled:
        raise SsoRefused("this account is disabled; ask an admin of Flowline")
    user.last_sign_in_at = utcnow()
    session.add(user)
    sign_in_user(request, session, user)
