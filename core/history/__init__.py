"""History: the database of artifacts and their versions, and the lineage rules.

Owns the schema (models, alembic migrations), opening the database (db), and
`History`: recording versions (dedup, legacy parents, reverts) and reading them back
(heads, lineage by recursive query). The networkx graph and layout live in
`core.history.lineage`, imported on its own because networkx is heavy. Noticing history
written by another process or member (a cheap poll, then what changed) is `changes`.
"""
from core.history.changes import HistoryChanges, HistoryMark, HistoryWatch, changes_since, mark_now
from core.history.db import Database, open_database
from core.history.deployments import DeploymentInfo, Deployments, ProjectInfo, check_project_name, retired_line
from core.history.models import ARTIFACT_TYPES, CHANGE_ORIGINS, COLLECTION_LINE, RESERVED_LINES, UPSTREAM_LINE
from core.history.versions import HEAD, ArtifactInfo, History, RecordOutcome, VersionInfo, ordinal_by_id, recorded_by

__all__ = [
    "Database", "open_database", "ARTIFACT_TYPES", "CHANGE_ORIGINS", "COLLECTION_LINE", "UPSTREAM_LINE", "RESERVED_LINES",
    "DeploymentInfo", "Deployments", "ProjectInfo", "check_project_name", "retired_line",
    "HistoryChanges", "HistoryMark", "HistoryWatch", "changes_since", "mark_now",
    "HEAD", "ArtifactInfo", "History", "RecordOutcome", "VersionInfo", "ordinal_by_id", "recorded_by",
]
