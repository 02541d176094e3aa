"""``mkdocs.yml`` read as data first: nothing in it may run code when the site builder loads it.

MkDocs loads its configuration with PyYAML's full loader: a tag such as
``!!python/object/apply:os.system`` runs a command, ``!!python/name:x.y`` imports a module,
and ``hooks:`` runs Python files of the repository. A pull request could put any of them in
``mkdocs.yml``, and CI runs ``rundbrief check`` on every pull request. So the file is
composed (never constructed) first, and only the tags the theme's documentation asks for are
let through; ``check`` and ``build`` refuse the same things at the same lines, before MkDocs
sees the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from generator.core.files import read_bytes, refusal
from generator.core.i18n import N_, _
from generator.core.problems import Problem
from generator.core.yamltree import PLAIN_TAGS, SafeLoader, short_tag

ALLOWED_TAGS = ("!ENV", "!relative")
"""MkDocs' own tags: an environment variable, a path relative to the file."""
ALLOWED_NAMES = ("material.extensions.", "pymdownx.")
"""``!!python/name:`` may name a function of the theme or of its Markdown extensions only."""
REFUSED_KEYS = {
    "hooks": N_("hooks run Python files of the repository at every build"),
    "INHERIT": N_("an inherited configuration is read from another file"),
}


def config_problems(path: Path, rel: str = "mkdocs.yml") -> list[Problem]:
    """Every tag or key of the site configuration that would run or import code."""
    refused = refusal(path, path.parent)  # the door: no link out, no pipe
    if refused:
        return [Problem(rel, 0, refused)]
    data = read_bytes(path, path.parent)
    try:
        if isinstance(data, Problem):
            return []  # reported where the settings read the site URL
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    try:
        node = SafeLoader(text).get_single_node()
    except yaml.YAMLError:
        return []  # (invalid YAML: reported with the site URL)
    problems: list[Problem] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.tag not in PLAIN_TAGS and not _allowed(current.tag):
            problems.append(
                Problem(
                    rel,
                    current.start_mark.line + 1,
                    _(
                        "YAML tag {tag} is not allowed in the site configuration (allowed: "
                        "{allowed})"
                    ).format(
                        tag=short_tag(current.tag),
                        allowed=", ".join(
                            [*ALLOWED_TAGS, *(f"!!python/name:{n}…" for n in ALLOWED_NAMES)]
                        ),
                    ),
                )
            )
            continue
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if (
                    current is node
                    and isinstance(key, yaml.ScalarNode)
                    and key.value in REFUSED_KEYS
                ):
                    problems.append(
                        Problem(
                            rel,
                            key.start_mark.line + 1,
                            _("{key}: not allowed; {reason}").format(
                                key=key.value, reason=_(REFUSED_KEYS[key.value])
                            ),
                        )
                    )
                stack += [key, value]
    return sorted([*problems, *_custom_dir_problems(node, rel)])


THEME_FOLDER = "overrides"
"""The only folder the theme may take templates and files from: the one the file door walks."""


def _custom_dir_problems(node: yaml.Node | None, rel: str) -> list[Problem]:
    """``theme.custom_dir`` must be ``overrides``: MkDocs reads it past the file door.

    Material copies every file of that folder into the site and loads its templates, so
    ``custom_dir: /etc`` or ``../`` would publish files of the machine.
    """
    theme = _child(node, "theme")
    custom = _child(theme, "custom_dir")
    if custom is None:
        return []
    if (
        isinstance(custom, yaml.ScalarNode)
        and custom.tag in PLAIN_TAGS
        and custom.value.strip().rstrip("/") in (THEME_FOLDER, f"./{THEME_FOLDER}")
    ):
        return []
    shown = custom.value if isinstance(custom, yaml.ScalarNode) else "…"
    return [
        Problem(
            rel,
            custom.start_mark.line + 1,
            _("theme.custom_dir: expected {expected}, got {value}").format(
                expected=THEME_FOLDER, value=shown
            ),
        )
    ]


def _child(node: yaml.Node | None, name: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name:
            return value
    return None


def _allowed(tag: str) -> bool:
    if tag in ALLOWED_TAGS:
        return True
    name = tag.removeprefix("tag:yaml.org,2002:python/name:")
    return name != tag and name.startswith(ALLOWED_NAMES)
