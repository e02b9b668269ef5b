"""The control API (`/sandbox/...`): its routes, the guard in front of them, and the sync
client tests and tools drive it with (`SandboxControl`, the face)."""

from cxone_outbound.sandbox.control.client import SandboxControl, SandboxControlError

__all__ = ["SandboxControl", "SandboxControlError"]
