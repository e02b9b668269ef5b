"""The sandbox: a local emulator of the CXone outbound API in two dialects (docs/sandbox.md).

The face: `SandboxServer` runs one in a subprocess, `SandboxControl` drives its control API.
Inside, by role: `store/` (state and rules, no HTTP), `http/` (the request pipeline and the
app), `v2/` and `admin/` (each dialect's routes and OpenAPI), `control/`, `lookups/`.
"""

from cxone_outbound.sandbox.control import SandboxControl, SandboxControlError
from cxone_outbound.sandbox.options import SandboxOptions
from cxone_outbound.sandbox.server import SandboxServer

__all__ = ["SandboxControl", "SandboxControlError", "SandboxOptions", "SandboxServer"]
