"""Segments: the rule as JSON, validated by the segment rule language, and live member counts."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session

from flowline.core.errors import SegmentInUse, ValidationFailed
from flowline.core.models.segments import Segment
from flowline.core.services.audit import changes as audit
from flowline.core.services.segments import crud as service
from flowline.core.services.segments.preview import preview
from flowline.core.services.segments.vocabulary import rule_vocabulary
from flowline.definitions.segments import SegmentRule, describe_rule
from flowline.http.actor import actor_of
from flowline.http.dependencies import SessionDep
from flowline.http.parameters import IdInPath
from flowline.web.deletion import Deletion, confirm_page, refused_page, workflow_links
from flowline.web.form_errors import FormErrors, errors_of
from flowline.web.pages import PageRoute, render
from flowline.web.signin import CsrfChecked, EditorSession, SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Text = Annotated[str, Form(max_length=200_000)]
EXAMPLE_RULE = {"property": "city", "op": "eq", "value": "Amsterdam"}
MEMBERS_SHOWN = 50


@router.get("/segments")
def segments_page(_: SignedIn, request: Request, session: SessionDep) -> Response:
    rows = [
        {
            "segment": s,
            "words": describe_rule(SegmentRule.model_validate(s.rule)),
            "members": service.member_count(session, s.id or 0),
        }
        for s in service.list_segments(session, limit=500)
    ]
    return render(request, "segments.html", {"rows": rows})


def _page(
    request: Request,
    session: Session,
    form: dict[str, str],
    segment: Segment | None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "segment": segment,
        "errors": errors or FormErrors(),
        "rule_vocabulary": rule_vocabulary(session),
    }
    if segment is not None and segment.id is not None:
        context["count"] = service.member_count(session, segment.id)
        context["members"] = service.members(session, segment.id, offset=0, limit=MEMBERS_SHOWN)
        context["words"] = describe_rule(SegmentRule.model_validate(segment.rule))
    return render(request, "segment_form.html", context, status)


@router.get("/segments/new")
def new_segment(_: EditorSession, request: Request, session: SessionDep) -> Response:
    form = {"name": "", "rule": json.dumps(EXAMPLE_RULE, indent=2)}
    return _page(request, session, form, None)


@router.post("/segments/check")
def check_rule(_: SignedIn, __: CsrfChecked, session: SessionDep, rule: Text = "") -> Response:
    """Validate a rule as typed: the same parser as saving, with the rule in words, and who
    matches it now (`count`, and the first profile ids in `sample`)."""
    try:
        parsed = service.parse_rule(_rule_json(rule))
    except ValidationFailed as failed:
        return JSONResponse({"valid": False, "errors": _messages(failed)})
    found = preview(session, parsed)
    return JSONResponse(
        {
            "valid": True,
            "words": describe_rule(parsed),
            "count": found.count,
            "sample": found.sample,
        }
    )


@router.get("/segments/{segment_id}")
def edit_segment(
    _: SignedIn, request: Request, segment_id: IdInPath, session: SessionDep
) -> Response:
    segment = service.get_segment(session, segment_id)
    form = {"name": segment.name, "rule": json.dumps(segment.rule, indent=2)}
    return _page(request, session, form, segment)


@router.get("/segments/{segment_id}/count")
def member_count(_: SignedIn, segment_id: IdInPath, session: SessionDep) -> Response:
    service.get_segment(session, segment_id)
    return JSONResponse({"members": service.member_count(session, segment_id)})


def _rule_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValidationFailed.at(("rule",), f"not valid JSON ({error})") from None


def _messages(failed: ValidationFailed) -> list[str]:
    """`all.0.op: ...`: the place inside the rule, then what is wrong there."""
    return [
        f"{'.'.join(str(p) for p in loc[1:])}: {msg}" if len(loc) > 1 else msg
        for loc, msg in errors_of(failed)
    ]


def _save(
    request: Request, session: Session, name: str, rule: str, segment: Segment | None
) -> Response:
    form = {"name": name, "rule": rule}
    errors = FormErrors()
    if not name.strip():
        errors.fields["name"] = ["a segment needs a name"]
    try:
        parsed = _rule_json(rule)
        if errors.fields:
            service.parse_rule(parsed)
        else:
            actor = actor_of(request, session)
            if segment is not None:
                before = audit.segment_before(segment)
                segment = service.update_segment(session, segment, name.strip(), parsed)
                audit.segment_updated(session, actor, segment, before)
            else:
                segment = service.create_segment(session, name.strip(), parsed)
                audit.segment_created(session, actor, segment)
    except ValidationFailed as failed:
        errors.fields["rule"] = _messages(failed)
    if errors.fields:
        session.rollback()
        errors.summary = [(k, m) for k, ms in errors.fields.items() for m in ms]
        return _page(request, session, form, segment, errors, 422)
    assert segment is not None
    return RedirectResponse(f"/segments/{segment.id}", status_code=303)


@router.post("/segments/new")
def create_segment(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    rule: Text = "",
) -> Response:
    return _save(request, session, name, rule, None)


@router.post("/segments/{segment_id}")
def update_segment(
    _: EditorSession,
    __: CsrfChecked,
    request: Request,
    segment_id: IdInPath,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
    rule: Text = "",
) -> Response:
    return _save(request, session, name, rule, service.get_segment(session, segment_id))


def _deletion(segment: Segment) -> Deletion:
    return Deletion(
        kind="segment",
        name=segment.name,
        action=f"/segments/{segment.id}/delete",
        back=f"/segments/{segment.id}",
        consequence="Its members are forgotten; the profiles themselves stay.",
    )


@router.get("/segments/{segment_id}/delete")
def confirm_delete(
    _: EditorSession, request: Request, segment_id: IdInPath, session: SessionDep
) -> Response:
    return confirm_page(request, _deletion(service.get_segment(session, segment_id)))


@router.post("/segments/{segment_id}/delete")
def delete_segment(
    _: EditorSession, __: CsrfChecked, request: Request, segment_id: IdInPath, session: SessionDep
) -> Response:
    segment = service.get_segment(session, segment_id)
    name = segment.name
    try:
        service.delete_segment(session, segment)
        audit.segment_deleted(session, actor_of(request, session), segment_id, name)
    except SegmentInUse:
        session.rollback()
        deletion = _deletion(segment)
        ids = service.workflows_using_segment(session, segment_id)
        deletion.users = workflow_links(session, ids)
        deletion.refusal = (
            f"“{segment.name}” cannot be deleted: these workflows start or end with it. "
            "Change their trigger or goal first."
        )
        return refused_page(request, deletion)
    return RedirectResponse("/segments?deleted=segment", status_code=303)
