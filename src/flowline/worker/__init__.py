"""The Temporal worker: `EnrollmentWorkflow` and the activities it calls."""
