"""The session cookie, signed with the first FLOWLINE_SECRET_KEY and read with any of them."""

from collections.abc import Sequence

import itsdangerous
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp


class RotatingSessionMiddleware(SessionMiddleware):
    """Starlette's signed-cookie sessions with several keys: a rotation signs nobody out.

    Every answer re-signs the cookie, so a session signed with an older key moves to the new
    one on its next request.
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_keys: Sequence[bytes],
        session_cookie: str,
        max_age: int,
        https_only: bool,
    ) -> None:
        super().__init__(
            app,
            secret_key="unused",  # replaced below
            session_cookie=session_cookie,
            max_age=max_age,
            same_site="lax",
            https_only=https_only,
        )
        # itsdangerous signs with the last key and verifies with any.
        self.signer = itsdangerous.TimestampSigner(list(reversed(secret_keys)))
