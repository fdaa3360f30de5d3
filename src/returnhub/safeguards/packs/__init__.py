"""The registered rule packs. A pack is built once per process from its module and its YAML parameters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module

from returnhub.safeguards.errors import UnknownPack
from returnhub.safeguards.rules import RulePack

#: Pack name -> module under ``returnhub.safeguards.packs`` whose ``build()`` returns the pack.
REGISTERED: dict[str, str] = {"uk": "uk", "eu": "eu"}


def pack_names() -> list[str]:
    return sorted(REGISTERED)


def as_pack(pack: RulePack | str) -> RulePack:
    """A pack given itself or by name (the services and the engine take either)."""
    return pack if isinstance(pack, RulePack) else get_pack(pack)


@cache
def get_pack(name: str) -> RulePack:
    """The pack called ``name``; an unknown name is a clear error listing the known ones."""
    module = REGISTERED.get(name)
    if module is None:
        raise UnknownPack(f"unknown rule pack {name!r}; known packs: {', '.join(pack_names())}")
    build: Callable[[], RulePack] = import_module(f"returnhub.safeguards.packs.{module}").build
    return build()
