"""Fixed labels (the names of an enum's values, a factor's name) translated once per language and
kept.

A label made with lazy_gettext is looked up in the catalogue again every time it is shown, and a
100-row export shows the same few labels hundreds of times. A `Labels` map keeps its labels'
text per message catalogue: the one gettext itself uses for the current request, so the text is
exactly what gettext gives (a catalogue loaded anew, as after Flask-Babel's refresh, gets its own).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from .i18n import LazyText, catalogue

K = TypeVar("K", bound=Hashable)


class Labels(Generic[K]):
    """Labels by key, as text in the current language."""

    def __init__(self, labels: Mapping[K, LazyText]):
        self.lazy = dict(labels)
        # Catalogue -> its text of every label; weak, so a catalogue let go of takes its copy along.
        self._texts: WeakKeyDictionary = WeakKeyDictionary()

    def texts(self) -> dict[K, str]:
        """Every label as text in the current language (fetch once for a loop over many rows)."""
        current = catalogue()
        try:
            return self._texts[current]
        except KeyError:
            texts = {key: str(label) for key, label in self.lazy.items()}
            self._texts[current] = texts
            return texts

    def __getitem__(self, key: K) -> str:
        return self.texts()[key]
