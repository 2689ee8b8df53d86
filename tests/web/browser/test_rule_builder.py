"""The rule builder: segment rules and branch conditions built from fields, read back exactly,
round-tripping with "Edit as JSON", with problems in words next to the condition."""

import json
import re
from typing import Any

from playwright.async_api import Locator, Page, Route, expect

from flowline.definitions.segments import SegmentRule
from tests.support.browser import LiveFlowline, screenshots, sign_in

BUILT_RULE: dict[str, Any] = {
    "all": [
        {"property": "city", "op": "eq", "value": "Amsterdam"},
        {
            "event": "purchase",
            "performed": True,
            "min_count": 2,
            "within": "PT2592000S",
            "where": {"property": "plan", "op": "eq", "value": "pro"},
        },
        {"event": "payment", "performed": False, "min_count": 1, "within": None, "where": None},
        {
            "not": {
                "any": [
                    {"property": "age", "op": "gt", "value": 30},
                    {"property": "plan", "op": "in", "value": ["pro", "team"]},
                ]
            }
        },
        {"not": {"property": "email", "op": "exists", "value": None}},
    ]
}


def group(scope: Page | Locator, name: str) -> Locator:
    return scope.get_by_role("group", name=name, exact=True)


def field(scope: Locator, label: str) -> Locator:
    return scope.get_by_label(label, exact=True)


async def new_segment(page: Page, live: LiveFlowline, name: str) -> None:
    await sign_in(page, live)
    await page.get_by_role("link", name="Segments", exact=True).click()
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill(name)


async def test_every_kind_of_condition_is_built_saved_and_read_back_exactly(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await api.profile("anna", city="Amsterdam", plan="pro", age=41)
    await api.event("anna", "purchase", properties={"plan": "pro"})
    await new_segment(page, live, "Loyal in Amsterdam")
    builder = group(page, "Rule builder")
    # The example rule of a new segment shows as one condition.
    first = group(builder, "Condition 1")
    await expect(field(first, "Property")).to_have_value("city")
    await expect(field(first, "Operator").locator("option")).to_have_text(
        [
            "is",
            "is not",
            "is greater than",
            "is at least",
            "is less than",
            "is at most",
            "contains",
            "is one of",
            "is set",
            "is not set",
        ]
    )
    await expect(field(builder, "Match").locator("option")).to_have_text(
        ["all of these", "any of these"]
    )
    # Known properties and events are suggested.
    await expect(page.locator("#rule-properties option[value='plan']")).to_have_count(1)
    await expect(page.locator("#rule-events option[value='purchase']")).to_have_count(1)

    await builder.get_by_role("button", name="Add condition", exact=True).click()
    performed = group(builder, "Condition 2")
    await field(performed, "Kind").select_option(label="Has performed event")
    await field(performed, "Event").fill("purchase")
    await field(performed, "At least").fill("2")
    await field(performed, "Within").fill("30 days")
    await field(performed, "Only events with a matching property").check()
    await field(performed, "Event property").fill("plan")
    await field(performed, "Event value").fill("pro")

    await builder.get_by_role("button", name="Add condition", exact=True).click()
    not_performed = group(builder, "Condition 3")
    await field(not_performed, "Kind").select_option(label="Has not performed event")
    await field(not_performed, "Event").fill("payment")

    await builder.get_by_role("button", name="Add group", exact=True).click()
    nested = group(builder, "Group 4")
    await field(nested, "Match").select_option(label="any of these")
    await field(nested, "None of these").check()
    older = group(nested, "Condition 4.1")
    await field(older, "Property").fill("age")
    await field(older, "Operator").select_option(label="is greater than")
    await field(older, "Value").fill("30")
    await field(older, "Value type").select_option(label="Number")
    await nested.get_by_role("button", name="Add condition to Group 4", exact=True).click()
    plans = group(nested, "Condition 4.2")
    await field(plans, "Property").fill("plan")
    await field(plans, "Operator").select_option(label="is one of")
    await field(plans, "Value").fill("pro, team")

    await builder.get_by_role("button", name="Add condition", exact=True).click()
    no_email = group(builder, "Condition 5")
    await field(no_email, "Property").fill("email")
    await field(no_email, "Operator").select_option(label="is set")
    await expect(field(no_email, "Value")).to_have_count(0)
    await field(no_email, "Not").check()
    await builder.get_by_role("button", name="Add group", exact=True).click()
    await group(builder, "Group 6").get_by_role("button", name="Remove group 6").click()
    await expect(group(builder, "Group 6")).to_have_count(0)

    written = json.loads(await page.get_by_label("Rule", exact=True).input_value())
    assert written == BUILT_RULE
    await expect(page.locator("[data-rule-check]")).to_contain_text(
        "Rule: city = 'Amsterdam' and has performed 'purchase' at least 2 times with plan = 'pro'"
    )
    await screenshots(page, "rule-builder")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/segments/\d+$"))
    segment_id = int(page.url.rsplit("/", 1)[1])
    saved = (await api.api.get(f"/v1/segments/{segment_id}")).json()
    assert saved["rule"] == BUILT_RULE

    # The saved rule shows in the builder again, as built.
    builder = group(page, "Rule builder")
    await expect(field(group(builder, "Condition 2"), "Within")).to_have_value("30 days")
    await expect(field(group(builder, "Condition 2"), "Event value")).to_have_value("pro")
    await expect(field(group(builder, "Condition 3"), "Kind")).to_have_value("not_performed")
    await expect(field(group(builder, "Group 4"), "None of these")).to_be_checked()
    await expect(field(group(builder, "Condition 4.1"), "Value type")).to_have_value("number")
    await expect(field(group(builder, "Condition 4.2"), "Value")).to_have_value("pro, team")
    await expect(field(group(builder, "Condition 5"), "Not")).to_be_checked()
    # Saved again untouched, the rule stays exactly the same.
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(rf"/segments/{segment_id}$"))
    again = (await api.api.get(f"/v1/segments/{segment_id}")).json()
    assert again["rule"] == BUILT_RULE


async def test_json_edited_by_hand_shows_in_the_builder_and_bad_json_stays_json(
    page: Page, live: LiveFlowline
) -> None:
    await new_segment(page, live, "Recent sign-ups")
    toggle = page.get_by_role("button", name="Edit as JSON", exact=True)
    rule = page.get_by_label("Rule", exact=True)
    await expect(rule).to_be_hidden()
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    by_hand = {
        "any": [
            {"event": "signup", "within": "P7D"},
            {"not": {"property": "plan", "op": "eq", "value": "free"}},
            {"all": [{"property": "vip", "op": "eq", "value": True}]},
        ]
    }
    await rule.fill(json.dumps(by_hand))
    await toggle.click()
    builder = group(page, "Rule builder")
    await expect(builder).to_be_visible()
    await expect(rule).to_be_hidden()
    await expect(field(builder, "Match").first).to_have_value("any")
    signup = group(builder, "Condition 1")
    await expect(field(signup, "Kind")).to_have_value("performed")
    await expect(field(signup, "Event")).to_have_value("signup")
    await expect(field(signup, "Within")).to_have_value("7 days")
    await expect(field(group(builder, "Condition 2"), "Not")).to_be_checked()
    await expect(field(group(builder, "Condition 2"), "Value")).to_have_value("free")
    vip = group(builder, "Condition 3.1")
    await expect(field(vip, "Value")).to_have_value("true")
    await expect(field(vip, "Value type")).to_have_value("boolean")
    # Shown but untouched, the JSON stays as it was written.
    assert json.loads(await rule.input_value()) == by_hand

    # A change in the builder writes the whole rule back.
    await field(signup, "Within").fill("2 weeks")
    written = json.loads(await rule.input_value())
    assert written["any"][0] == {
        "event": "signup",
        "performed": True,
        "min_count": 1,
        "within": "PT1209600S",
        "where": None,
    }
    assert written["any"][1:] == by_hand["any"][1:]

    # JSON the builder cannot show: said in words, and the JSON stays in front.
    await toggle.click()
    await rule.fill("{'property': 'city'}")
    await toggle.click()
    notice = page.get_by_role("alert")
    await expect(notice).to_contain_text("The builder cannot show this rule: it is not valid JSON")
    await expect(rule).to_be_visible()
    await expect(builder).to_be_hidden()
    await rule.fill(json.dumps({"property": "city", "op": "equals", "value": "x"}))
    await toggle.click()
    await expect(notice).to_contain_text('"equals" is not an operator')
    await rule.fill(json.dumps({"property": "city", "op": "neq", "value": "Delft"}))
    await toggle.click()
    await expect(notice).to_be_hidden()
    await expect(field(group(builder, "Condition 1"), "Operator")).to_have_value("neq")


async def test_invalid_input_gets_a_message_in_words_next_to_its_condition(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    await new_segment(page, live, "Big spenders")
    builder = group(page, "Rule builder")
    await builder.get_by_role("button", name="Add condition", exact=True).click()
    second = group(builder, "Condition 2")
    await field(second, "Property").fill("")
    await field(second, "Property").press("Tab")
    await expect(second.locator(".error")).to_have_text("Enter a property name.")
    await expect(field(second, "Property")).to_have_attribute("aria-invalid", "true")
    await field(second, "Kind").select_option(label="Has performed event")
    await field(second, "Event").fill("purchase")
    await field(second, "Within").fill("a fortnight")
    await field(second, "Within").press("Tab")
    await expect(second.locator(".error")).to_contain_text("Enter a period such as 30 days")
    await field(second, "Within").fill("14 days")
    await field(second, "Within").press("Tab")
    await expect(second.locator(".error")).to_be_hidden()

    # What only the server can tell lands next to the condition it concerns.
    await builder.get_by_role("button", name="Add condition", exact=True).click()
    third = group(builder, "Condition 3")
    await field(third, "Property").fill("total")
    await field(third, "Operator").select_option(label="is greater than")
    await field(third, "Value type").select_option(label="JSON")
    await field(third, "Value").fill("[100]")
    await page.get_by_role("button", name="Save", exact=True).click()
    third = group(group(page, "Rule builder"), "Condition 3")
    await expect(third.locator(".error")).to_contain_text(
        "Value: Enter a number or text as the value of 'gt'."
    )
    await expect(group(page, "Rule builder").locator(".error:visible")).to_have_count(1)
    # The error summary's link leads to the field the message names.
    await page.locator("[data-error-summary] a").click()
    await expect(field(third, "Value")).to_be_focused()
    await screenshots(page, "rule-builder-error")
    await field(third, "Value type").select_option(label="Number")
    await field(third, "Value").fill("100")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/segments/\d+$"))
    saved = (await api.api.get(f"/v1/segments/{page.url.rsplit('/', 1)[1]}")).json()
    assert saved["rule"]["all"][2] == {"property": "total", "op": "gt", "value": 100}


async def test_a_branch_condition_is_built_in_the_workflow_form_with_its_live_count(
    page: Page, live: LiveFlowline
) -> None:
    api = live.flowline
    counted: list[str] = []

    async def check_with_count(route: Route) -> None:
        # The live count comes from /segments/check; answer as it does with a count.
        response = await route.fetch()
        answer = await response.json()
        counted.append(route.request.post_data or "")
        if answer.get("valid"):
            answer.update(count=3, sample=["anna", "ben"])
        await route.fulfill(response=response, json=answer)

    await page.route("**/segments/check", check_with_count)
    await api.profile("anna", plan="pro")
    await api.event("anna", "purchase")
    await sign_in(page, live)
    await page.get_by_role("link", name="Add", exact=True).click()
    await page.get_by_label("Name", exact=True).fill("Upsell")
    await page.get_by_label("Event type", exact=True).fill("signed_up")
    await page.get_by_label("Consent", exact=True).select_option(label="-")
    await page.get_by_role("button", name="Add step", exact=True).click()
    step = group(page, "Step 1")
    await field(step, "Action").select_option(label="Branch")
    await expect(page.locator("#rule-properties option[value='plan']")).to_have_count(1)
    await expect(page.locator("#rule-events option[value='purchase']")).to_have_count(1)
    builder = group(step, "Condition builder")
    await builder.get_by_role("button", name="Add condition", exact=True).click()
    plan = group(builder, "Condition 1")
    await field(plan, "Property").fill("plan")
    await field(plan, "Value").fill("pro")
    await expect(step.get_by_role("status")).to_have_text("3 profiles match now, such as anna, ben")
    await expect(step.locator("[data-rule-check]")).to_have_text("Rule: plan = 'pro'")
    # A nested branch gets a builder of its own.
    await step.get_by_role("button", name="Add step to Then of Step 1", exact=True).click()
    inner = group(page, "Step 1.then.1")
    await field(inner, "Action").select_option(label="Branch")
    inner_builder = group(inner, "Condition builder")
    await inner_builder.get_by_role("button", name="Add condition", exact=True).click()
    bought = group(inner_builder, "Condition 1")
    await field(bought, "Kind").select_option(label="Has not performed event")
    await field(bought, "Event").fill("purchase")
    await field(bought, "Within").fill("7 days")
    await inner.get_by_role("button", name="Add step to Else of Step 1.then.1", exact=True).click()
    await field(group(page, "Step 1.then.1.else.1"), "Duration").fill("1 day")
    await screenshots(page, "rule-builder-branch")
    # A problem only the server sees comes back next to the condition, in words.
    plan = group(group(group(page, "Step 1"), "Condition builder").first, "Condition 1")
    await field(plan, "Operator").select_option(label="is greater than")
    await field(plan, "Value type").select_option(label="JSON")
    await field(plan, "Value").fill("[1]")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(plan.locator(".error")).to_contain_text(
        "Value: Enter a number or text as the value of 'gt'."
    )
    await field(plan, "Operator").select_option(label="is")
    await field(plan, "Value type").select_option(label="Text")
    await field(plan, "Value").fill("pro")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    saved = (await api.api.get(f"/v1/workflows/{page.url.rsplit('/', 1)[1]}")).json()
    assert saved["steps"] == [
        {
            "type": "branch",
            "condition": {"property": "plan", "op": "eq", "value": "pro"},
            "then": [
                {
                    "type": "branch",
                    "condition": {
                        "event": "purchase",
                        "performed": False,
                        "min_count": 1,
                        "within": "PT604800S",
                        "where": None,
                    },
                    "then": [],
                    "else": [{"type": "wait", "duration": "PT86400S"}],
                }
            ],
            "else": [],
        }
    ]
    assert any("rule=" in body or "plan" in body for body in counted)


def canonical(rule: dict[str, Any]) -> Any:
    """The rule as the server stores it."""
    return SegmentRule.model_validate(rule).model_dump(mode="json", by_alias=True)


EVERY_SHAPE: list[dict[str, Any]] = [
    {"not": {"not": {"property": "city", "op": "contains", "value": "dam"}}},
    {"not": {"any": [{"property": "plan", "op": "in", "value": ["pro", "a, b", 3]}]}},
    {
        "all": [
            {"property": "age", "op": "gte", "value": 18.5},
            {"property": "x", "op": "in", "value": [1, 2]},
        ]
    },
    {
        "any": [
            {"property": "vip", "op": "neq", "value": False},
            {"property": "tags", "op": "eq", "value": {"a": [1]}},
        ]
    },
    {"property": "zip", "op": "lte", "value": "1017"},
    {"property": "email", "op": "not_exists"},
    {
        "event": "purchase",
        "performed": False,
        "min_count": 3,
        "within": "PT5400S",
        "where": {"property": "total", "op": "exists"},
    },
    {"all": [{"not": {"event": "login", "within": 90}}, {"any": [{"all": [{"event": "x"}]}]}]},
]


async def test_every_shape_of_the_rule_language_reads_into_the_builder_and_back_exactly(
    page: Page, live: LiveFlowline
) -> None:
    await new_segment(page, live, "Shapes")
    toggle = page.get_by_role("button", name="Edit as JSON", exact=True)
    rule = page.get_by_label("Rule", exact=True)
    builder = group(page, "Rule builder")
    last = builder.locator(".rule-root > .rule-items > li:last-child > .rule-condition")
    for shape in EVERY_SHAPE:
        expected = canonical(shape)
        await toggle.click()
        await rule.fill(json.dumps(expected))
        await toggle.click()
        await expect(builder).to_be_visible()
        # A condition added and removed again makes the builder write the whole rule.
        await builder.get_by_role("button", name="Add condition", exact=True).click()
        await last.get_by_role("button", name=re.compile("^Remove condition")).click()
        assert json.loads(await rule.input_value()) == expected, shape
