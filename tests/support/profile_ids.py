"""Profile ids that ingestion accepts and URLs mangle easily, and their paths in the API."""

from urllib.parse import quote

TRICKY_PROFILE_IDS = {
    "slash": "gdpr/subject",
    "percent": "100% %2F %252F",  # decoded once: the stored id keeps its own escapes
    "question-mark": "who?page=2",
    "hash": "order#1234",
    "spaces": " spaced  out ",  # an id may begin and end with a space
    "dot-dot": "..",
    "dot": ".",
    "traversal": "../../v1/workflows",
    "unicode": "zoë ☃ 😀 e\u0301 \u2028 ﬁ",
    "255-characters": ("gdpr/subject%?#.. ☃😀" * 13)[:255],
    # 1,020 bytes of UTF-8: too long for a Temporal workflow id or search attribute as it is.
    "255-emoji": "😀" * 255,
}


def profile_path(profile_id: str) -> str:
    """`/v1/profiles/<id>` as a client must write it: every character but letters, digits and
    `-._~` percent-encoded, and an id made only of dots encoded too (clients remove `.` and `..`
    segments from a path)."""
    segment = quote(profile_id, safe="")
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    return f"/v1/profiles/{segment}"
