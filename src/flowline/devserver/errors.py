"""The one error `flowline dev` reports as a plain message rather than a traceback."""


class DevServerError(RuntimeError):
    """Something could not start or stopped unexpectedly; the message says why and what to do."""
