"""Storing a fitted Python object with the Rasa model (both custom components use it)."""

from __future__ import annotations

import pickle
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def save(storage: ModelStorage, resource: Resource, filename: str, obj: Any) -> Resource:
    """Pickle `obj` into the component's folder of the model archive."""
    with storage.write_to(resource) as folder:
        (folder / filename).write_bytes(pickle.dumps(obj))
    return resource


def load(storage: ModelStorage, resource: Resource, filename: str) -> Any:
    """The object saved with `save` (our own model file, never user input)."""
    with storage.read_from(resource) as folder:
        return pickle.loads((folder / filename).read_bytes())
