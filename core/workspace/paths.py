"""Where Artifact Lineage keeps its data.

Order of precedence for the data folder: `--home DIR`, then the
`ARTIFACT_LINEAGE_HOME` environment variable, then the platform's user data
directory (platformdirs). The database URL: `--db URL`, then
`ARTIFACT_LINEAGE_DB`, then a SQLite file inside the data folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "artifact-lineage"
ENV_HOME = "ARTIFACT_LINEAGE_HOME"
ENV_DB = "ARTIFACT_LINEAGE_DB"


@dataclass(frozen=True)
class DataHome:
    """The data folder and the fixed places inside it."""

    root: Path

    @property
    def database_path(self) -> Path:
        return self.root / "lineage.sqlite3"

    @property
    def default_db_url(self) -> str:
        return f"sqlite:///{self.database_path}"

    @property
    def objects_dir(self) -> Path:
        return self.root / "objects"

    @property
    def collection_dir(self) -> Path:
        return self.root / "collection"

    @property
    def machine_id_path(self) -> Path:
        """This data folder's member id (core.workspace.machine)."""
        return self.root / "machine-id"

    @property
    def pending_dir(self) -> Path:
        """Versions a sync will record once its copy is in place (core.workspace.pending)."""
        return self.root / "pending"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def stat_cache_path(self) -> Path:
        return self.cache_dir / "statcache.sqlite3"

    @property
    def merges_dir(self) -> Path:
        """Pending merges (one JSON file per artifact and line) and their work folders."""
        return self.root / "merges"

    @property
    def git_cache_dir(self) -> Path:
        return self.cache_dir / "git"

    @property
    def read_only(self) -> bool:
        """An existing data folder this process may not write (permissions, a read-only mount):
        the commands that only read still work in it (Workspace.open)."""
        return self.root.is_dir() and not os.access(self.root, os.W_OK)

    def ensure(self) -> "DataHome":
        from core.errors import DataFolderError, describe_os_error

        for folder in (self.root, self.objects_dir, self.collection_dir, self.cache_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise DataFolderError(
                    f"The data folder {self.root} cannot be used: {folder} is a file, not a folder; "
                    f"pass a folder with --home or {ENV_HOME}."
                ) from None
            except OSError as exc:
                raise DataFolderError(
                    f"The data folder {self.root} cannot be used at {folder}: "
                    f"{describe_os_error(exc, 'check its permissions')}, or pass another folder with --home or {ENV_HOME}."
                ) from None
        return self


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> DataHome:
    """The data folder from the command line, the environment, or the platform default."""
    if cli_home:
        return DataHome(Path(cli_home).expanduser().resolve())
    env = os.environ.get(ENV_HOME)
    if env:
        return DataHome(Path(env).expanduser().resolve())
    import platformdirs  # here: --home and the environment need not import it

    return DataHome(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def resolve_db_url(home: DataHome, cli_db: str | None = None) -> str:
    """The SQLAlchemy URL from the command line, the environment, or SQLite in `home`."""
    return cli_db or os.environ.get(ENV_DB) or home.default_db_url
