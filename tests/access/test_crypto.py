"""Special-category fields encrypted at rest, and key rotation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from returnhub.access.crypto import (
    DEVELOPMENT_KEY,
    FieldCipher,
    FieldKeyError,
    field_cipher,
    generate_key,
    rotate_stored_fields,
)
from returnhub.access.models import MonitoringNote
from returnhub.access.roles import Role
from returnhub.access.settings import AccessSettings
from returnhub.core.database import unit_of_work

from .conftest import IN_SCOPE, World

SECRET = "Disclosed a history of torture; PTSD diagnosed."


def test_encrypts_and_decrypts() -> None:
    cipher = FieldCipher([generate_key()])
    token = cipher.encrypt(SECRET)
    assert SECRET not in token and cipher.decrypt(token) == SECRET
    assert cipher.encrypt(SECRET) != token  # a fresh IV each time: equal texts do not look equal


def test_rotation_re_encrypts_under_the_new_key_and_the_old_key_can_then_go() -> None:
    old, new = generate_key(), generate_key()
    stored = FieldCipher([old]).encrypt(SECRET)
    during = FieldCipher([new, old])  # step 1: new key first, old kept
    assert during.decrypt(stored) == SECRET
    rotated = during.rotate(stored)  # step 2: `returnhub keys rotate`
    after = FieldCipher([new])  # step 3: old key removed
    assert after.decrypt(rotated) == SECRET
    with pytest.raises(FieldKeyError):
        after.decrypt(stored)  # what happens if step 2 is skipped: refused, loudly


def test_keys_come_from_settings_and_production_requires_them() -> None:
    key = generate_key()
    assert (
        field_cipher(AccessSettings(field_keys=f" {key} , {DEVELOPMENT_KEY}"), "production").decrypt(
            FieldCipher([DEVELOPMENT_KEY]).encrypt("x")
        )
        == "x"
    )
    with pytest.raises(FieldKeyError):
        field_cipher(AccessSettings(field_keys=""), "production")
    dev = field_cipher(AccessSettings(field_keys=""), "development")
    assert FieldCipher([DEVELOPMENT_KEY]).decrypt(dev.encrypt("y")) == "y"
    with pytest.raises(FieldKeyError):
        FieldCipher(["not-a-key"])


def test_monitoring_notes_are_stored_encrypted_and_survive_rotation(world: World) -> None:
    old, new = generate_key(), generate_key()
    world.app.state.access_settings = AccessSettings(field_keys=old)
    world.runtime.settings.environment = "production"
    monitor = world.headers(Role.INDEPENDENT_MONITOR)
    assert (
        world.client.post(
            "/monitoring-notes", json={"subject": IN_SCOPE, "text": SECRET}, headers=monitor
        ).status_code
        == 201
    )
    with unit_of_work(world.runtime.engine, read_only=True) as s:
        raw = s.execute(select(MonitoringNote.body_encrypted)).scalar_one()
    assert SECRET not in raw and "PTSD" not in raw
    with unit_of_work(world.runtime.engine) as s:
        assert rotate_stored_fields(s, FieldCipher([new, old])) == {"monitoring_notes": 1, "sealed_values": 0}
    world.app.state.access_settings = AccessSettings(field_keys=new)
    notes = world.client.get("/monitoring-notes", headers=monitor).json()
    assert [n["text"] for n in notes] == [SECRET]
