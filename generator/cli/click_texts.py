"""Click's own words — "Usage:", "Error: Invalid value …", "Aborted!" — in the project's language.

Click writes its messages through the standard ``gettext`` functions, imported into each of its
modules at import time. ``speak_our_language`` hands those modules rundbrief's catalogue
instead, so a user who mistypes an option reads German with the next step ("Hilfe: …"), like
every other message. The message ids below are Click's, listed so that ``scripts/catalogues``
extracts them; their translations live in the catalogue with all the others.
"""

from __future__ import annotations

import gettext

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from generator.core import i18n
from generator.core.i18n import N_, Nn_

MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
)

MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Aborted!"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("Could not open file {filename!r}: {message}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("Choose from:\n\t{choices}"),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("unknown error"),
    Nn_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    Nn_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    Nn_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    Nn_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    Nn_(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ),
    Nn_("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."),
)


def speak_our_language() -> None:
    """Let Click's modules translate through rundbrief's active catalogue."""
    for module in MODULES:
        if getattr(module, "_", None) is gettext.gettext:
            module._ = i18n._  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]
