"""Process management for `flowline dev`: the Temporal dev server, the SMTP capture, shutdown."""
