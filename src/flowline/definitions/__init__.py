"""Pure definitions: workflow definitions, merge tags, templates. No I/O here."""
