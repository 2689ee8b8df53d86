"""Activities: each action step is one activity that checks consent, acts and records."""
