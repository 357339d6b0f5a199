"""The workspace: the data folder and everything opened in it, and where artifacts live there.

Owns the data folder (DataHome: platformdirs, --home, the environment), the collection's
layout (which place an artifact of a type and shape takes), and `Workspace`, which opens
database, history, object store and stat cache together and finishes interrupted swaps
first, and the pending records that let a sync's version survive a crash after its swap. Importing it is cheap: the heavy parts are imported when a workspace is opened.
"""
from core.workspace.collection import (
    CollectionPlaceError, InvalidNameError, PlaceCheck, check_place, make_parents, path_of, place_for,
)
from core.workspace.paths import DataHome, resolve_db_url, resolve_home
from core.workspace.pending import PendingRecord, PendingRecords
from core.workspace.workspace import Workspace

__all__ = ["Workspace", "DataHome", "resolve_home", "resolve_db_url", "InvalidNameError", "path_of", "place_for",
           "PendingRecord", "PendingRecords",
           "CollectionPlaceError", "PlaceCheck", "check_place", "make_parents"]
