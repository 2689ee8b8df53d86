"""`GET /v1/workflows/{id}/experiment` (admin): did the workflow work? Groups, lift, splits."""

from flowline.api.authentication import AdminKey
from flowline.api.openapi import error_responses
from flowline.api.routing import api_router
from flowline.core.models.experiment_schemas import ExperimentPublic
from flowline.core.services.workflows.experiment import workflow_experiment
from flowline.http.dependencies import SessionDep, WorkflowDep

router = api_router("/v1/workflows", tags=["workflows"])


@router.get(
    "/{workflow_id}/experiment", response_model=ExperimentPublic, responses=error_responses(404)
)
def get_experiment(workflow: WorkflowDep, session: SessionDep, _: AdminKey) -> ExperimentPublic:
    """Treatment against holdout and each split's paths, current version: lift with its
    fixed-horizon and anytime-valid 95 % intervals."""
    return workflow_experiment(session, workflow)
