"""Every render is bounded: ranges, loop iterations, characters written, the size of any value
a template builds and the CPU time of its thread. Past a limit the render stops at once with
`TemplateTooExpensive`, saying which limit, instead of running on."""

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from jinja2.exceptions import SecurityError

from flowline.definitions.template_budget import (
    DEFAULT_LIMITS,
    RenderLimits,
    TemplateTooExpensive,
    render_budget,
)
from flowline.definitions.templates import render_email, render_json, render_url

# Generous: the renders below stop within a few hundred milliseconds of CPU time, and a render
# that ran on would take minutes. CPU time of this thread, since the wall clock of a loaded
# CI machine (two cores, several suites) says more about the machine than about the render.
QUICKLY = 1.0
UNTIMED = RenderLimits(cpu_seconds=60)
THREE_BILLION_LOOPS = (
    "{% for a in range(100000) %}{% for b in range(30000) %}{% endfor %}{% endfor %}"
)


def html(source: str, **values: str) -> str:
    return render_email("s", source, None, values).html


@contextmanager
def stops_quickly(reason: str, within: float = QUICKLY) -> Iterator[None]:
    """The block raises TemplateTooExpensive matching `reason` within `within` seconds of
    this thread's CPU time (by default well under a second).

    The garbage collector is held off while it runs: a full collection of a test process that
    has run two thousand tests took seconds of this thread's CPU time once, and that is the
    heap's cost, not the render's.
    """
    gc.collect()
    gc.disable()
    try:
        started = time.thread_time()
        with pytest.raises(TemplateTooExpensive, match=reason):
            yield
        assert time.thread_time() - started < within
    finally:
        gc.enable()


def test_the_reported_template_stops_at_its_first_range() -> None:
    with stops_quickly(r"range\(\) of more than 1,000 numbers"):
        html(THREE_BILLION_LOOPS)


def test_a_range_of_up_to_a_thousand_numbers_renders() -> None:
    assert html("{% for i in range(1000) %}.{% endfor %}") == "." * 1000
    assert html("{{ range(5)|list }}") == "[0, 1, 2, 3, 4]"


@pytest.mark.parametrize("bounds", ["1001", "0, 1001", "10**30", "0, 10**30, 2"])
def test_a_larger_range_is_refused(bounds: str) -> None:
    with stops_quickly("range"):
        html(f"{{% for i in range({bounds}) %}}{{% endfor %}}")


def test_slicing_into_more_parts_than_a_range_may_have_is_refused() -> None:
    assert (
        html("{{ 'abcd'|slice(2)|list }}")
        == "[[&#39;a&#39;, &#39;b&#39;], [&#39;c&#39;, &#39;d&#39;]]"
    )
    with stops_quickly(r"slice\(\) into more than 1,000"):
        html("{{ 'x'|slice(10**6)|list }}")


@pytest.mark.parametrize(
    "source",
    [
        "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
        # Loops over the profile's own values count as much as ranges.
        "{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}",
        "{% for a in range(1000) %}{% for b in s|list %}{{ b }}{% endfor %}{% endfor %}",
        # A recursive loop: `loop(...)` iterates its argument like a `for`.
        "{% for x in range(1000) recursive %}{% if loop.depth < 3 %}{{ loop(range(1000)) }}"
        "{% endif %}{% endfor %}",
        # A macro calling itself in a loop, six deep.
        "{% macro m(n) %}{% for i in range(10) if n %}{{ m(n - 1) }}{% endfor %}{% endmacro %}"
        "{{ m(6) }}",
    ],
)
def test_nested_loops_stop_after_a_hundred_thousand_iterations(source: str) -> None:
    # The CPU budget may stop them first on a slow machine; this test is about the count.
    with stops_quickly("loops run more than 100,000 times"), render_budget(UNTIMED):
        html(source, s="x" * 100)


def test_iterations_are_counted_per_render_not_per_process() -> None:
    source = "{% for a in range(300) %}{% for b in range(300) %}{% endfor %}{% endfor %}"
    for _ in range(3):
        with render_budget(UNTIMED):
            assert html(source) == ""  # 90,000 each


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(1000) %}{{ s }}{% endfor %}",
        "{% for i in range(1000) %}" + "y" * 2000 + "{% endfor %}",
        # Captured, never written out: still produced.
        "{% set x %}{% for i in range(1000) %}{{ s }}{% endfor %}{% endset %}",
        "{% macro m() %}{{ s }}{% endmacro %}"
        "{% for i in range(1000) %}{% set x = m() %}{% endfor %}",
    ],
)
def test_more_than_a_million_characters_written_is_refused(source: str) -> None:
    with stops_quickly("more than 1,000,000 characters"):
        html(source, s="x" * 2000)


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 10**9 }}",
        "{{ [0] * 10**9 }}",
        "{{ 2 ** 100000000 }}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'.center(10**9) }}",
        "{{ 'x'.zfill(10**9) }}",
        "{{ (1).to_bytes(10**9, 'big') }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (999999999, 1) }}",
        "{{ '%999999999d'|format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{:>{w}}'.format(1, w=999999999) }}",
        "{{ b|replace('', b) }}",
        "{{ b.replace('', b) }}",
        "{{ b|join(b) }}",
        "{{ b.join(b) }}",
        "{{ lines|indent(b) }}",
        "{{ b|wordwrap(1, wrapstring=b) }}",
        "{{ lipsum(100000) }}",
        # Doubling: each step is small, the fortieth is a terabyte.
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        # A list that holds another twice prints it twice: 2**60 items once printed.
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
        "{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
        "{% set ns.l = ns.l + ns.l %}{% endfor %}",
        "{% set ns = namespace(n=namespace(a=1)) %}{% for i in range(60) %}"
        "{% set ns.n = namespace(a=ns.n, b=ns.n) %}{% endfor %}{{ ns.n }}",
    ],
)
def test_a_value_of_more_than_a_million_characters_or_items_is_refused_before_it_is_built(
    source: str,
) -> None:
    with stops_quickly("more than"):
        html(source, b="x" * 5000, lines="x\n" * 5000)


def test_a_slow_render_is_stopped_by_its_cpu_budget() -> None:
    # Under every other limit: 100 iterations, each counting the words of a long value.
    source = "{% for i in range(100) %}{{ s|wordcount }}{% endfor %}"
    limits = RenderLimits(cpu_seconds=0.02)
    with stops_quickly("more than 0.02 s of CPU time", within=0.2), render_budget(limits):
        html(source, s="word " * 200_000)


def test_the_default_cpu_budget_stops_a_render_in_well_under_a_second() -> None:
    source = "{% for i in range(1000) %}{% for j in range(90) %}{{ s|wordcount }}"
    source += "{% endfor %}{% endfor %}"
    budget = DEFAULT_LIMITS.cpu_seconds
    with stops_quickly(f"more than {budget:g} s of CPU time", within=budget + 0.2):
        html(source, s="word " * 5_000)


def test_a_full_garbage_collection_during_a_render_is_not_counted_against_its_budget() -> None:
    # A big heap makes a full collection cost far more than the budget, as in a large worker.
    heap = [[i] for i in range(2_000_000)]
    with render_budget(RenderLimits(cpu_seconds=0.02)) as budget:
        collected = time.thread_time()
        gc.collect()
        assert time.thread_time() - collected > 0.02, "the heap is too small to show anything"
        budget.tick()  # over the budget by the thread's clock, within it without the collection
        busy = time.thread_time()
        while time.thread_time() - busy < 0.05:  # the same thread working: counted
            heap[0].append(len(heap[0]))
        with pytest.raises(TemplateTooExpensive, match="more than 0.02 s of CPU time"):
            budget.tick()


def test_the_parts_of_one_email_share_one_budget() -> None:
    loops = "{% for a in range(300) %}{% for b in range(200) %}{% endfor %}{% endfor %}"
    with render_budget(UNTIMED):
        assert render_email(loops, "<p></p>", None, {}).subject == ""  # 60,000 iterations
    with stops_quickly("loops run more than 100,000 times"), render_budget(UNTIMED):
        render_email(loops, loops, None, {})


@pytest.mark.parametrize(
    "render",
    [
        lambda source: render_url(f"https://x.example/{source}", {}),
        lambda source: render_json({"a": "ok", "b": [f"x {source}"]}, {}),
    ],
    ids=["url", "json"],
)
def test_http_and_update_profile_values_are_bounded_alike(render: Callable[[str], object]) -> None:
    with stops_quickly("range"):
        render(THREE_BILLION_LOOPS)


def test_templates_cannot_change_lists_or_dicts() -> None:
    with pytest.raises(SecurityError):
        html("{% set l = [] %}{{ l.append(1) }}")
    with pytest.raises(SecurityError):
        html("{% set d = {} %}{{ d.update(a=1) }}")


def test_ordinary_templates_render_as_before() -> None:
    source = (
        "{% macro item(x) %}<li>{{ x|title }}</li>{% endmacro %}"
        "{% for x in names.split(',') if x %}{{ item(x) }}{{ loop.index }}/{{ loop.length }}"
        "{% else %}none{% endfor %} {{ [1, 2] }} {{ {'a': 1} }} {{ (1, 2) }} {{ name ~ '<i>' }}"
        " {{ '%05.1f'|format(3.14159) }} {{ '{:>4}'.format(7) }} {{ 2 ** 10 }}"
    )
    assert (
        html(
            "{% for x in [[1, [2]], [3]] recursive %}{{ x if x is number else loop(x) }}"
            "{% endfor %}"
        )
        == "123"
    )
    assert html(source, names="ada,bram", name="A<") == (
        "<li>Ada</li>1/2<li>Bram</li>2/2 [1, 2] {&#39;a&#39;: 1} (1, 2) A&lt;&lt;i&gt;"
        " 003.1    7 1024"
    )
