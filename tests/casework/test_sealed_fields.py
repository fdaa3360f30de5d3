"""The sealed-field catalogue, sealing at append, and the paths that must never see a sealed value."""

from __future__ import annotations

from datetime import date

import orjson
import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from returnhub.casework.bulk import _validated_payloads
from returnhub.casework.events import EVENT_PAYLOADS, SEALED_FIELDS, SEALED_MARKER, validate_payload
from returnhub.casework.models import SealedValue, StoredEvent
from returnhub.casework.queries import case_timeline
from returnhub.casework.store import append_event, rebuild_projection, verify_chain
from returnhub.core.clock import FixedClock
from returnhub.core.crypto import FieldCipher, generate_key
from returnhub.core.database import unit_of_work
from returnhub.core.errors import InvalidInput

from .helpers import add_person, record

BASIS = "persecuted for being gay"
NRM = "forced labour on a farm, passport withheld"


def test_every_sealed_field_is_a_field_of_its_payload() -> None:
    for event_type, fields in SEALED_FIELDS.items():
        assert fields <= set(EVENT_PAYLOADS[event_type].model_fields), event_type


def test_an_empty_indicator_list_is_not_sealed() -> None:
    assert validate_payload("adults_at_risk_assessed", {"level": 0, "indicators": []}) == {"level": 0}


def test_append_seals_and_the_fold_and_rebuild_never_need_the_value(
    engine: Engine, clock: FixedClock
) -> None:
    cipher = FieldCipher([generate_key()])
    with unit_of_work(engine) as s:
        add_person(s)
        append_event(
            s,
            "RH0000001",
            "asylum_claim_lodged",
            date(2024, 1, 5),
            {"basis": BASIS},
            clock=clock,
            recorded_by="test",
            cipher=cipher,
        )
        append_event(
            s,
            "RH0000001",
            "nrm_conclusive_grounds_decided",
            date(2024, 6, 5),
            {"outcome": "positive", "details": NRM},
            clock=clock,
            recorded_by="test",
            cipher=cipher,
        )
    with unit_of_work(engine) as s:
        stored = list(s.execute(select(StoredEvent.data).order_by(StoredEvent.id)).scalars())
        assert [set(d) for d in stored] == [{"basis"}, {"outcome", "details"}]
        assert all(set(d[k]) == {SEALED_MARKER} for d, k in zip(stored, ("basis", "details"), strict=True))
        assert BASIS not in orjson.dumps(stored).decode()
        assert rebuild_projection(s, clock) == 1  # the fold runs on markers alone
        assert verify_chain(s).ok
        opened = case_timeline(s, "RH0000001", cipher=cipher)
        restricted = case_timeline(s, "RH0000001")
    assert [e.data for e in opened] == [{"basis": BASIS}, {"outcome": "positive", "details": NRM}]
    assert [e.data for e in restricted] == [
        {"basis": "[restricted]"},
        {"outcome": "positive", "details": "[restricted]"},
    ]


def test_a_refused_append_leaves_no_sealed_value(engine: Engine, clock: FixedClock) -> None:
    with unit_of_work(engine) as s:
        add_person(s)
    with pytest.raises(InvalidInput), unit_of_work(engine) as s:
        append_event(
            s,
            "RH0000001",
            "adults_at_risk_assessed",
            date(2030, 1, 1),
            {"level": 1, "notes": "x"},
            clock=clock,
            recorded_by="test",
        )
    with unit_of_work(engine) as s:
        record(s, clock, "RH0000001", "adults_at_risk_assessed", date(2024, 1, 1), {"level": 1, "notes": "n"})
        assert s.execute(select(SealedValue.field)).scalars().all() == ["notes"]


def test_the_bulk_loader_refuses_sealed_fields_rather_than_store_them() -> None:
    ok = pl.DataFrame({"event_type": ["adults_at_risk_assessed"], "data": ['{"level":2}']})
    assert _validated_payloads(ok).to_list() == ['{"level":2}']
    sealed = pl.DataFrame(
        {"event_type": ["adults_at_risk_assessed"], "data": ['{"level":2,"indicators":["PTSD"]}']}
    )
    with pytest.raises(InvalidInput, match="special-category"):
        _validated_payloads(sealed)
