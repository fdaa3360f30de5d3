"""The page to register a person: names, date of birth, nationality by name, an identity document (its
machine-readable zone checked), family links, and a confirm step when a likely duplicate exists."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from returnhub.casework.intake import DOCUMENT_TYPES, LikelyDuplicate, parse_person, register_person
from returnhub.core.errors import DomainError, InvalidInput
from returnhub.core.http.deps import ClockDep, SessionDep
from returnhub.web.ui.templating import FormErrors, page, refusal_message

router = APIRouter(prefix="/ui", include_in_schema=False)

SEXES = [("F", "Female"), ("M", "Male"), ("X", "Unspecified (X)")]
DOCUMENTS = [(d, d.replace("_", " ").capitalize()) for d in DOCUMENT_TYPES]
#: Where a refusal from the service is shown: the first field its message names.
_FIELD_OF = (
    ("date of birth", "date_of_birth-day"),
    ("date_of_birth", "date_of_birth-day"),
    ("machine-readable zone", "mrz"),
    ("identity document", "document_number"),
    ("documents", "document_number"),
    ("nationality", "nationality"),
    ("family", "family"),
    ("no case with reference", "family"),
    ("family_name", "family_name"),
    ("sex", "sex"),
)


def _context(form: dict[str, Any], errors: FormErrors, duplicates: list[str] | None = None) -> dict[str, Any]:
    return {
        "form": form,
        "errors": errors,
        "sexes": SEXES,
        "document_types": DOCUMENTS,
        "duplicates": duplicates or [],
    }


@router.get("/persons/new", response_class=HTMLResponse)
def new_person(request: Request) -> Response:
    return page(
        request,
        "persons/new.html",
        _context({"document_type": "passport"}, FormErrors()),
        title="Register a person",
    )


def _field(message: str) -> str:
    lowered = message.lower()
    for words, field_id in _FIELD_OF:
        if words in lowered:
            return field_id
    return "given_name"


@router.post("/persons/new", response_model=None)
def register(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    given_name: Annotated[str, Form(max_length=100)] = "",
    family_name: Annotated[str, Form(max_length=100)] = "",
    born_day: Annotated[str, Form(max_length=2)] = "",
    born_month: Annotated[str, Form(max_length=2)] = "",
    born_year: Annotated[str, Form(max_length=4)] = "",
    sex: Annotated[str, Form(max_length=1)] = "",
    nationality: Annotated[str, Form(max_length=60)] = "",
    languages: Annotated[str, Form(max_length=100)] = "",
    document_type: Annotated[str, Form(max_length=32)] = "passport",
    document_number: Annotated[str, Form(max_length=32)] = "",
    issuing_state: Annotated[str, Form(max_length=60)] = "",
    mrz: Annotated[str, Form(max_length=200)] = "",
    family: Annotated[str, Form(max_length=400)] = "",
    confirm_duplicate: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    form = {
        "given_name": given_name,
        "family_name": family_name,
        "day": born_day,
        "month": born_month,
        "year": born_year,
        "sex": sex,
        "nationality": nationality,
        "languages": languages,
        "document_type": document_type,
        "document_number": document_number,
        "issuing_state": issuing_state,
        "mrz": mrz,
        "family": family,
    }
    errors = FormErrors()
    if not given_name.strip():
        errors.add("given_name", "Enter the given name")
    if not family_name.strip():
        errors.add("family_name", "Enter the family name")
    born: date | None = None
    if not (born_day.strip() and born_month.strip() and born_year.strip()):
        errors.add("date_of_birth-day", "Enter the date of birth, with a day, month and year")
    else:
        try:
            born = date(int(born_year), int(born_month), int(born_day))
        except ValueError:
            errors.add("date_of_birth-day", "The date of birth must be a real date")
    if sex not in {s for s, _ in SEXES}:
        errors.add("sex", "Choose the sex")
    if not nationality.strip():
        errors.add("nationality", "Enter the nationality, like Albania")
    document: dict[str, Any] = {}
    if mrz.strip() or document_number.strip():
        document = {"document_type": document_type or "passport"}
        if mrz.strip():
            document["mrz"] = mrz.strip()
        if document_number.strip():
            document["document_number"] = document_number.strip()
        if issuing_state.strip():
            document["issuing_state"] = issuing_state.strip()
    duplicates: list[str] = []
    if not errors:
        try:
            body = parse_person(
                {
                    "given_name": given_name.strip(),
                    "family_name": family_name.strip(),
                    "date_of_birth": born,
                    "sex": sex,
                    "nationality": nationality.strip(),
                    "languages": [c for c in languages.replace(",", " ").split() if c],
                    "documents": [document] if document else [],
                    "family": [r for r in family.replace(",", " ").split() if r],
                    "confirm_duplicate": confirm_duplicate == "yes",
                }
            )
            result = register_person(session, body, clock=clock)
            return RedirectResponse(f"/ui/cases/{result['reference']}?done=registered", status_code=303)
        except LikelyDuplicate as exc:
            message = refusal_message(session, exc)
            duplicates = list(exc.extra.get("duplicates", []))
            errors.add("confirm_duplicate", message)
        except InvalidInput as exc:
            message = refusal_message(session, exc, (422, 400, 404))
            errors.add(_field(message), message)
        except DomainError as exc:
            message = refusal_message(session, exc, (404, 409, 422))
            errors.add(_field(message), message)
    return page(
        request,
        "persons/new.html",
        _context(form, errors, duplicates),
        status_code=422,
        title="Register a person: there is a problem",
    )
