"""Campaign CRUD with the merge tags each campaign uses."""

from tests.api.steps import email_step, wait_step
from tests.support.flowline_harness import Flowline


async def test_campaign_lists_its_merge_tags(flowline: Flowline) -> None:
    campaign = await flowline.campaign(subject="Hi {{ first_name }}", text="{{ coupon }}")
    assert campaign["merge_tags"] == ["city", "coupon", "first_name"]
    assert campaign["type"] == "triggered" and campaign["status"] == "active"
    fetched = (await flowline.api.get(f"/v1/campaigns/{campaign['id']}")).json()
    assert fetched == campaign


async def test_template_syntax_error_is_a_422_on_the_field(flowline: Flowline) -> None:
    response = await flowline.post(
        "/v1/campaigns", {"name": "Bad", "subject": "Hi {{ name", "html": "<p>x</p>"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["subject"]


async def test_campaign_used_by_a_workflow_cannot_be_deleted(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    await flowline.workflow(steps=[email_step(campaign["id"])])

    response = await flowline.api.delete(f"/v1/campaigns/{campaign['id']}")

    assert response.status_code == 409 and response.json()["error"] == "CampaignInUse"
    unused = await flowline.campaign(name="Unused")
    assert (await flowline.api.delete(f"/v1/campaigns/{unused['id']}")).status_code == 204


async def test_campaign_sent_only_deep_in_a_branch_cannot_be_deleted(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    condition = {"property": "plan", "op": "eq", "value": "pro"}
    inner = {"type": "branch", "condition": condition, "else": [email_step(campaign["id"])]}
    outer = {"type": "branch", "condition": condition, "then": [wait_step("P1D")], "else": [inner]}
    workflow = await flowline.workflow(steps=[wait_step("P1D"), outer])

    response = await flowline.api.delete(f"/v1/campaigns/{campaign['id']}")

    assert response.status_code == 409 and response.json()["error"] == "CampaignInUse"
    assert str(workflow["id"]) in response.json()["detail"]


async def test_tracking_is_on_by_default_and_put_replaces_the_switches(flowline: Flowline) -> None:
    campaign = await flowline.campaign()
    assert (campaign["track_opens"], campaign["track_clicks"]) == (True, True)
    body = {k: campaign[k] for k in ("name", "subject", "html", "text", "from_email", "status")}

    off = await flowline.api.put(
        f"/v1/campaigns/{campaign['id']}", json={**body, "track_opens": False}
    )
    fetched = (await flowline.api.get(f"/v1/campaigns/{campaign['id']}")).json()
    # PUT replaces the campaign: a switch left out takes its default again (on).
    again = await flowline.api.put(f"/v1/campaigns/{campaign['id']}", json=body)

    assert (off.json()["track_opens"], off.json()["track_clicks"]) == (False, True)
    assert (fetched["track_opens"], fetched["track_clicks"]) == (False, True)
    assert again.json()["track_opens"] is True
    wrong = await flowline.api.put(
        f"/v1/campaigns/{campaign['id']}", json={**body, "track_clicks": "maybe"}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["track_clicks"]
