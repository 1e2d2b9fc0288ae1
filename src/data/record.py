"""``Record``: equality, hashing and repr for rotor's frozen dataclasses, written once.

``@dataclass`` compiles every method it generates from source when the class is created: for a frozen
class, six (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``), about
0.1 ms each on Python 3.11. The first frame's path defines some forty such classes (the snapshot's, the
settings', the symbols'), so those compilations were a tenth of rotor's start-up (bench/startup.py).

A record is declared ``@dataclass(frozen=True, slots=True, eq=False, repr=False)`` on ``Record``:
``dataclass`` still generates ``__init__`` and the frozen ``__setattr__``/``__delattr__``, and ``Record``
gives the other three the same behaviour as the generated ones: equal when of the same class with equal
fields in order (those with ``compare``), a hash of those fields, and ``Name(field=value, ...)`` (those
with ``repr``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar


class Record:
    """The base of a frozen record (see the module docstring); ``__slots__`` empty, so a record keeps its
    own slots."""

    __slots__ = ()
    #: Per record class: the names of the fields compared and hashed, and of those shown in the repr.
    _names: ClassVar[dict[type, tuple[tuple[str, ...], tuple[str, ...]]]] = {}

    def _fields(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        cls = type(self)
        names = Record._names.get(cls)
        if names is None:
            declared = fields(self)  # type: ignore[arg-type]  # every Record is a dataclass
            names = (tuple(f.name for f in declared if f.compare), tuple(f.name for f in declared if f.repr))
            Record._names[cls] = names
        return names

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields()[0])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields()[1])
        return f"{type(self).__qualname__}({shown})"
