"""Enrollments: reading them back (`views`), the worker's writes inside a step's transaction
(`records`) and in transactions of their own (`record_jobs`), starting them on Temporal
(`start_jobs`), signalling running ones (`signal_jobs`), and what journey steps do to the
database (`journey_steps`)."""
