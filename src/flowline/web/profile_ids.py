"""A profile id as someone typed or pasted it into a form."""

from sqlmodel import Session

from flowline.core.models.profiles import Profile
from flowline.definitions.identifiers import is_profile_id


def meant_profile_id(session: Session, typed: str) -> str | None:
    """The id of the profile meant: the text exactly when a profile has it, else the text without
    the spaces a paste brings along (an id may itself begin or end with a space); None when
    neither names a profile. Text ingestion would refuse never reaches a query."""
    for candidate in dict.fromkeys((typed, typed.strip())):
        if is_profile_id(candidate) and session.get(Profile, candidate) is not None:
            return candidate
    return None
