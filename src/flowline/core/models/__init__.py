"""Tables, one module per entity. Importing this package registers them all on the metadata."""

from flowline.core.models.api_keys import ApiKey
from flowline.core.models.audit import AuditEntry
from flowline.core.models.campaigns import Campaign
from flowline.core.models.email_sends import EmailSend
from flowline.core.models.engagement import EmailEngagement, EmailLink
from flowline.core.models.enrollments import Delivery, Enrollment
from flowline.core.models.events import ConditionCounter, CountedCondition, Event, EventCounter
from flowline.core.models.experiments import EnrollmentPath, SplitWinner
from flowline.core.models.installation_settings import InstallationSetting
from flowline.core.models.outbox import OutboxIntent
from flowline.core.models.profiles import Profile
from flowline.core.models.segments import Segment, SegmentMembership
from flowline.core.models.suppressions import Suppression
from flowline.core.models.users import SignInLock, User, UserSession, UserToken
from flowline.core.models.workflows import Workflow, WorkflowVersion

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Campaign",
    "ConditionCounter",
    "CountedCondition",
    "Delivery",
    "EmailEngagement",
    "EmailLink",
    "EmailSend",
    "Enrollment",
    "EnrollmentPath",
    "Event",
    "EventCounter",
    "InstallationSetting",
    "OutboxIntent",
    "Profile",
    "Segment",
    "SegmentMembership",
    "SignInLock",
    "SplitWinner",
    "Suppression",
    "User",
    "UserSession",
    "UserToken",
    "Workflow",
    "WorkflowVersion",
]
