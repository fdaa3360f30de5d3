"""The pack's default agreement terms: dated YAML parameters named ``agreement.<REFERENCE>``.

They let the safeguards work before any agreement is registered with the partners context. Each dated
value is the complete terms from that date (no merging of partial values), with its own citation; the
citation becomes the terms' ``sources`` so an explanation says where the terms came from.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from returnhub.partners.agreement_terms import EXCLUDED_GROUPS, AgreementTerms
from returnhub.safeguards.errors import PackDefinitionError
from returnhub.safeguards.parameters import ParameterSet

PREFIX = "agreement."
_FIELDS = {
    "hub_country",
    "sending_state",
    "in_force",
    "nationalities_in_scope",
    "excluded_groups",
    "max_stay_days",
    "monitoring_body",
    "requires_judicial_validation_of_detention",
    "unsafe_for_nationalities",
    "unsafe_for_profiles",
    "hubs",
}


def _terms(reference: str, on: date, value: Any, source: str) -> AgreementTerms:
    if not isinstance(value, dict) or "hub_country" not in value or "in_force" not in value:
        raise PackDefinitionError(f"agreement {reference}: each value needs hub_country and in_force")
    unknown = set(value) - _FIELDS
    if unknown:
        raise PackDefinitionError(f"agreement {reference}: unknown term(s) {sorted(unknown)}")
    groups = frozenset(value.get("excluded_groups") or ())
    if groups - EXCLUDED_GROUPS:
        raise PackDefinitionError(
            f"agreement {reference}: unknown excluded group(s) {sorted(groups - EXCLUDED_GROUPS)}"
        )
    scope = value.get("nationalities_in_scope")
    return AgreementTerms(
        agreement=reference,
        hub_country=str(value["hub_country"]),
        on=on,
        in_force=bool(value["in_force"]),
        nationalities_in_scope=None if scope is None else frozenset(scope),
        excluded_groups=groups,
        max_stay_days=value.get("max_stay_days"),
        monitoring_body=value.get("monitoring_body"),
        requires_judicial_validation_of_detention=bool(
            value.get("requires_judicial_validation_of_detention", False)
        ),
        unsafe_for_nationalities=frozenset(value.get("unsafe_for_nationalities") or ()),
        unsafe_for_profiles=frozenset(value.get("unsafe_for_profiles") or ()),
        hubs=tuple(value.get("hubs") or ()),
        sources=(source,),
        sending_state=value.get("sending_state"),
    )


class YamlTermsProvider:
    """``AgreementTermsProvider`` over a pack's ``agreement.*`` parameters."""

    def __init__(self, parameters: ParameterSet) -> None:
        self._parameters = [p for p in parameters if p.name.startswith(PREFIX)]
        # Validate every dated value once, at construction, so a malformed pack fails at load.
        for p in self._parameters:
            for entry in p.values:
                _terms(p.name[len(PREFIX) :], entry.start, entry.value, "")

    def terms_on(self, on: date) -> list[AgreementTerms]:
        found = []
        for p in self._parameters:
            if not p.has_value_on(on):
                continue
            entry = p.entry_on(on)
            cited = f"{entry.citation.title} <{entry.citation.href}>"
            source = f"pack default {p.name} from {entry.start.isoformat()}: {cited}"
            found.append(_terms(p.name[len(PREFIX) :], on, entry.value, source))
        return found
