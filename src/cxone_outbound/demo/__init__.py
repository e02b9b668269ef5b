"""`cxo demo`: the five jobs end to end on an embedded sandbox with a generated workload.

`workload` (with `phones`, `names`) generates the files, pure and seeded; `tenant` sets up the
list, campaign, suppressions and webhook through the client; `steps` holds the command lines and
verdicts; `session` orchestrates.
"""

from __future__ import annotations

from cxone_outbound.demo.session import DemoOptions, DemoResult, run_demo

__all__ = ["DemoOptions", "DemoResult", "run_demo"]
