"""Mail HTML is shown in a frame with its own, empty origin: no script runs, nothing loads.

The response's CSP `sandbox` makes the document opaque-origin even when opened on its own (not
only inside `<iframe sandbox>`), and `default-src 'none'` stops remote images and tracking.
"""

FRAME_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
