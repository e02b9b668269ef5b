"""The column mappings of calling lists, remembered: a tenant never returns a list's mapping.

`GET /lists/call-lists/{id}` has no column mapping (CXONE-REAL.md), yet an upload's header must
use it. So the mapping `cxo` creates a list with is written here (a small JSON file in the state
dir, keyed by tenant and list id), and a list made elsewhere takes its mapping from the
`list_columns` setting. An upload to a list with neither is refused before anything is sent.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import orjson
import platformdirs

from cxone_outbound.client.admin.records import ListColumns
from cxone_outbound.client.errors import ConfigurationError

FILE_NAME = "admin-list-mappings.json"


def default_path() -> Path:
    """`$CXONE_STATE_DIR/admin-list-mappings.json`, else in the user data dir (the state dir's
    own default, so runs and mappings sit together)."""
    env = os.environ.get("CXONE_STATE_DIR")
    root = Path(env) if env else Path(platformdirs.user_data_dir("cxone-outbound"))
    return root / FILE_NAME


class MappingStore:
    """Mappings by `tenant/list id`; the file is rewritten whole (it holds a few entries)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except orjson.JSONDecodeError as exc:
            raise ConfigurationError(f"{self.path}: not a mapping file ({exc})") from None
        return data if isinstance(data, dict) else {}

    def get(self, tenant: str, list_id: str) -> ListColumns | None:
        entry = self._load().get(f"{tenant}/{list_id}")
        return ListColumns.from_json(entry) if isinstance(entry, dict) else None

    def put(self, tenant: str, list_id: str, columns: ListColumns) -> None:
        with self._lock:
            data = self._load()
            data[f"{tenant}/{list_id}"] = columns.to_json()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
            os.replace(temporary, self.path)


def resolve(store: MappingStore, tenant: str, list_id: str, setting: str | None) -> ListColumns:
    """The mapping of a list: remembered, else the setting, else a clear refusal."""
    remembered = store.get(tenant, list_id)
    if remembered is not None:
        return remembered
    if setting:
        try:
            return ListColumns.parse(setting)
        except ValueError as exc:
            raise ConfigurationError(f"list_columns: {exc}") from None
    raise ConfigurationError(
        f"calling list {list_id}: its column mapping is unknown (a tenant does not return it). "
        "Lists created by cxo are remembered; for this one set list_columns in the profile or "
        "CXONE_LIST_COLUMNS, e.g. 'externalId=ExternalId,phone=PhoneNumber,firstName=FirstName,"
        "lastName=LastName,attributes=tier;region'. Nothing was sent"
    )
