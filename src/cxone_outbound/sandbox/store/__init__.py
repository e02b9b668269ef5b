"""The sandbox's state and rules, without HTTP (moto's "backend"): `Store` is the face.

`lists/` holds contact lists, their contacts and imports; `admin/` the admin dialect's view of
the same store (calling lists, skills, access keys); the rest is shared by both dialects.
"""

from cxone_outbound.sandbox.store.backend import Store

__all__ = ["Store"]
