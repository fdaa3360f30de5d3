"""Email and inbox templates in the GOV.UK Notify style: plain text with ((placeholders)).

The same template ids and placeholders work with the SMTP adapter (rendered here) and with a GOV.UK Notify
template (rendered by Notify from the personalisation), so switching adapters changes no caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from returnhub.core.errors import InvalidInput

PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")


@dataclass(frozen=True)
class Template:
    subject: str
    body: str

    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.subject)) | set(PLACEHOLDER.findall(self.body))


_FOOTER = (
    "\n\nSee it in returnhub: ((link))\n\nThis notice was sent by returnhub. Do not reply to this email."
)

TEMPLATES: dict[str, Template] = {
    "taken_off": Template(
        "((person)) was taken off transfer ((transfer))",
        "Dear ((recipient)),\n\n((person)) (case ((reference))) was taken off transfer ((transfer)) to "
        "((hub)), due to leave on ((departs)).\n\nWhy: ((reason))" + _FOOTER,
    ),
    "added": Template(
        "((person)) was added to transfer ((transfer))",
        "Dear ((recipient)),\n\n((person)) (case ((reference))) was added to transfer ((transfer)) to "
        "((hub)), due to leave on ((departs)).\n\nWhy: every safeguard was checked for the referral to "
        "the hub and passed on the facts recorded today." + _FOOTER,
    ),
    "under_minimum": Template(
        "Transfer ((transfer)) is under its minimum load",
        "Dear ((recipient)),\n\nTransfer ((transfer)) to ((hub)), due to leave on ((departs)), now has "
        "((load)) people on it, under its minimum viable load of ((min_load)).\n\nWhy: ((reason))\n\n"
        "It will not leave until a planner decides to go ahead, adds people or cancels it." + _FOOTER,
    ),
    "stay_overdue": Template(
        "The ((clock)) of ((person)) at ((hub)) has run out",
        "Dear ((recipient)),\n\nThe ((clock)) of ((person)) (case ((reference))) at ((hub)) ran out on "
        "((due)).\n\nWhy this matters: ((reason))" + _FOOTER,
    ),
    "validation_overdue": Template(
        "The detention of ((person)) at ((hub)) has not been validated by a judge in time",
        "Dear ((recipient)),\n\nThe detention of ((person)) (case ((reference))) at ((hub)) had to be "
        "validated by a judge by ((due)), and no validation has been recorded.\n\nWhy this matters: "
        "((reason))" + _FOOTER,
    ),
}


def render(template_id: str, values: dict[str, str]) -> tuple[str, str]:
    """The subject and body with every placeholder filled; a missing value is a bug in the caller."""
    template = TEMPLATES.get(template_id)
    if template is None:
        raise InvalidInput(f"there is no notice template called {template_id!r}")
    missing = template.placeholders() - set(values)
    if missing:
        raise InvalidInput(f"the notice template {template_id!r} needs {', '.join(sorted(missing))}")

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    return fill(template.subject), fill(template.body)
