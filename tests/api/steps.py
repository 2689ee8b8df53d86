"""Step bodies the API tests reuse."""

from typing import Any


def email_step(campaign_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "send_email",
        "campaign_id": campaign_id,
        "email_property": "email",
        "merge_tags": {
            "first_name": {"property": "first_name", "default": "there"},
            "city": {"property": "city", "default": " "},
        },
        **extra,
    }


def http_step(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "http_call",
        "method": "POST",
        "url": url,
        "body": {"p": "{{ profile_id }}"},
        **extra,
    }


def wait_step(duration: Any) -> dict[str, Any]:
    return {"type": "wait", "duration": duration}
