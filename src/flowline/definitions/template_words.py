"""What is wrong with a merge tag, in a marketer's words rather than the template engine's."""

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), words)
    for pattern, words in (
        (r"^unexpected '\}'", "'}' without '{{'"),
        (r"^unexpected end of template, expected 'end of print statement'", "'{{' without '}}'"),
        (r"^expected an expression, got 'end of print statement'", "'{{ }}' with no name inside"),
        (
            r"^expected token 'end of print statement', got '(?P<got>[^']*)'",
            "a merge tag holds one name, but '%(got)s' follows it",
        ),
        (
            r"^unexpected end of template.*innermost block that needs to be closed is "
            r"'(?P<block>\w+)'",
            "'{%% %(block)s %%}' without '{%% end%(block)s %%}'",
        ),
        (r"^unexpected end of template", "the template ends inside a merge tag"),
        (r"^encountered unknown tag '(?P<tag>[^']*)'", "'{%% %(tag)s %%}' is not a known tag"),
        (r"^no filter named '(?P<name>[^']*)'", "there is no filter named '%(name)s'"),
        (r"^no test named '(?P<name>[^']*)'", "there is no test named '%(name)s'"),
        (r"^unexpected char '(?P<char>[^']*)'", "'%(char)s' cannot stand inside a merge tag"),
        (r"^missing end of comment tag", "'{#' without '#}'"),
        (r"^unexpected 'end of print statement'", "the merge tag ends before its name is complete"),
        (r"^unexpected '(?P<what>[^']*)'", "'%(what)s' cannot stand there"),
    )
)
FALLBACK = "write merge tags as {{ property_name }}"


def template_problem(engine_message: str) -> str:
    """`unexpected '}'` → `'}' without '{{'`; anything unknown → how to write a merge tag."""
    text = engine_message.strip()
    for pattern, words in _RULES:
        match = pattern.search(text)
        if match:
            return words % match.groupdict() if match.groupdict() else words
    return FALLBACK
