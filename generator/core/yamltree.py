"""YAML parsed into nodes that still know their lines in the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from generator.core.i18n import _
from generator.core.problems import Problem

# libyaml's parser where PyYAML was built with it (several times faster); marks and errors
# are the same.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlTree:
    """A parsed YAML text whose nodes still know their lines."""

    node: yaml.Node | None
    loader: yaml.SafeLoader = field(repr=False)  # (or libyaml's CSafeLoader, the same API)
    offset: int


def parse_yaml(text: str, rel: str, offset: int = 0) -> YamlTree | Problem:
    """Compose YAML into nodes; ``offset`` is the number of file lines before the YAML text."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        # An unclosed quote or bracket fails at the end of the text: point at where it opened.
        last_line = text.rstrip("\n").count("\n") + 1
        at_end = (error.problem is not None and "end of stream" in error.problem) or (
            error.problem_mark is not None and error.problem_mark.line >= last_line
        )
        mark: yaml.Mark | None
        message: str | None
        if at_end and error.context_mark is not None:
            mark, message = error.context_mark, f"{error.context}, {error.problem}"
        else:
            mark, message = error.problem_mark or error.context_mark, error.problem or error.context
        line = mark.line + 1 + offset if mark else offset + 1
        written = text.split("\n")[mark.line] if mark else ""
        return Problem(
            rel,
            line,
            slip(written, message or "") or _("invalid YAML: {error}").format(error=message),
        )
    except yaml.YAMLError as error:
        return Problem(rel, offset + 1, _("invalid YAML: {error}").format(error=error))
    tagged = foreign_tag(node)
    if tagged is not None:
        return Problem(
            rel,
            tagged.start_mark.line + 1 + offset,
            _("YAML tag {tag} is not allowed here; write the value as plain text").format(
                tag=short_tag(tagged.tag)
            ),
        )
    return YamlTree(node, loader, offset)


_KEY_VALUE = re.compile(r"^(\s*)([\w.-]+):\s+(.*)$")


def slip(written: str, problem: str) -> str | None:
    """The everyday mistake behind a YAML error, in German with the fix; None if it is no known one.

    ``written`` is the line the error points at (for an unclosed quote: where it opens). The
    parser's own words ("mapping values are not allowed here") name no fix a writer can see.
    """
    stripped = written.lstrip(" ")
    if "\t" in written[: len(written) - len(written.lstrip())] or "tab" in problem:
        return _(
            "a tab at the start of the line: YAML indents with spaces only; replace the tab "
            "with spaces (or remove it)"
        )
    if "while scanning a quoted scalar" in problem or "end of stream" in problem:
        quote = '"' if stripped.count('"') % 2 else "'"
        return _(
            "the quotation mark {quote} opened on this line is never closed: end the value with "
            "{quote} on the same line"
        ).format(quote=quote)
    if "mapping values are not allowed" in problem:
        found = _KEY_VALUE.match(written)
        if found and not found.group(1) and ": " in found.group(3) + " ":
            key, value = found.group(2), found.group(3).strip()
            return _(
                'the value of {key} contains a colon: put it in quotation marks, {key}: "{value}"'
            ).format(key=key, value=value.replace('"', "'"))
        if found and found.group(1):
            return _(
                "this line is indented as if it belonged to the line above: write {key}: at the "
                "start of the line"
            ).format(key=found.group(2))
    return None


PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map")
)
"""What plain YAML resolves to by itself: anything else was written as a tag (``!!python/…``)."""


def foreign_tag(node: yaml.Node | None) -> yaml.Node | None:
    """The first node carrying a tag that plain YAML would not give it, if any."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.tag not in PLAIN_TAGS:
            return current
        if isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                stack += [value, key]
    return None


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/name:os.system`` as written: ``!!python/name:os.system``."""
    return (
        "!!" + tag.removeprefix("tag:yaml.org,2002:")
        if tag.startswith("tag:yaml.org,2002:")
        else tag
    )
