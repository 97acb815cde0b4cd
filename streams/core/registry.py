"""Registries of components keyed by their config ``type``.

Each component module registers itself with a decorator::

    @PARSERS.register("vpcflow", VpcFlowConfig)
    class VpcFlowParser: ...

Adding a component is adding one module in the kind's package: the registry
imports every module of its package the first time it is asked for a type.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class ComponentConfig(BaseModel):
    """Base of every component config: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    type: str


@dataclass(frozen=True)
class Registration(Generic[T]):
    name: str
    factory: Callable[..., T]
    config: type[ComponentConfig]


class Registry(Generic[T]):
    """Maps a config ``type`` to a factory and its pydantic config model."""

    def __init__(self, kind: str, packages: tuple[str, ...]):
        self.kind = kind
        self._packages = packages
        self._items: dict[str, Registration[T]] = {}
        self._loaded = False

    def register(self, name: str, config: type[ComponentConfig]) -> Callable[[Any], Any]:
        def decorate(factory: Any) -> Any:
            if name in self._items and self._items[name].factory is not factory:
                raise ValueError(f"{self.kind} type {name!r} registered twice")
            self._items[name] = Registration(name, factory, config)
            return factory

        return decorate

    def unregister(self, name: str) -> None:
        """Remove a registration (tests that register throwaway components use this)."""
        self._items.pop(name, None)

    def load_all(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for package_name in self._packages:
            package = importlib.import_module(package_name)
            for info in pkgutil.iter_modules(package.__path__, package_name + "."):
                leaf = info.name.rsplit(".", 1)[-1]
                if leaf.startswith("_") or leaf in ("base",):
                    continue
                importlib.import_module(info.name)

    def get(self, name: str) -> Registration[T]:
        self.load_all()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"unknown {self.kind} type {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        self.load_all()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        self.load_all()
        return name in self._items

    def build(self, config: ComponentConfig, **kwargs: Any) -> T:
        return self.get(config.type).factory(config, **kwargs)


SOURCES: Registry[Any] = Registry("source", ("streams.sources",))
SINKS: Registry[Any] = Registry("sink", ("streams.sinks",))
FINDING_SINKS: Registry[Any] = Registry("finding sink", ("streams.sinks",))
DECODERS: Registry[Any] = Registry("decoder", ("processors.decode",))
PARSERS: Registry[Any] = Registry("parser", ("processors.parsers",))
ENRICHERS: Registry[Any] = Registry("enricher", ("processors.enrich",))
DETECTORS: Registry[Any] = Registry("detector", ("detectors",))
