"""The curl session of docs/sandbox.md works as written, against a fresh server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"


def _session_script() -> str:
    text = DOC.read_text()
    match = re.search(r"<!-- curl-session -->\n```sh\n(.*?)```", text, re.S)
    assert match, "docs/sandbox.md lost its curl session"
    return match.group(1)


@pytest.mark.skipif(not all(shutil.which(t) for t in ("curl", "jq", "gzip", "bash")),
                    reason="needs curl, jq, gzip and bash")
def test_the_documented_curl_session_works_as_written(
        sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory()  # the default rate limit (200/s, burst 400), as documented
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", _session_script()],
                            cwd=tmp_path, env={"BASE": server.base_url, "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60, check=False)
    out = result.stdout
    assert result.returncode == 0, result.stderr + out
    assert '"status":"COMPLETED","recordsProcessed":3,"recordsFailed":1' in out
    assert "row 3: phone_number must be E.164" in out
    assert '["+14155550100","+442079460000"]' in out and '["+33142685300"]' in out
    assert '"email":"ann.lee@example.com"' in out
    assert 'etag: "1"' in out.lower()
    assert "first PUT: 200" in out and "second PUT: 412" in out
    limited = re.search(r"(\d+) 429 retry-after=(\d+)", out)
    assert limited and int(limited.group(1)) > 0 and int(limited.group(2)) >= 1, out
