"""Who a single sign-on is in Flowline: the one place that turns verified claims into a session.

People are matched by their verified email address. Until Flowline has user accounts, nobody can
be matched, so this refuses; with them, it finds the user by email (or creates one with
FLOWLINE_OIDC_DEFAULT_ROLE), refuses a disabled one, and starts their session.
"""

from fastapi import Request
from sqlmodel import Session

from flowline.web.sso import SsoRefused


def sign_in_with_sso(request: Request, session: Session, email: str, name: str) -> None:
    """Start the session of the person with this verified email, or raise `SsoRefused`."""
    raise SsoRefused("single sign-on needs user accounts")
