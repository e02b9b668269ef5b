"""Output: JSON alone on stdout, and log records that never carry a credential."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import orjson
import pytest
from pydantic import SecretStr

from cxone_outbound.cli.output import (
    RedactingFilter,
    configure_logging,
    emit_json,
    log_level_for,
)

TOKEN = "eyJhbGciOiJIUzI1NiJ9.payload.signature"
SECRET = "client-secret-0123456789"


@pytest.mark.parametrize(
    "text",
    [
        f"GET /x headers={{'Authorization': 'Bearer {TOKEN}'}}",
        f"Authorization: Bearer {TOKEN}",
        f"sending bearer {TOKEN}",
        f"POST /oauth/token body=grant_type=client_credentials&client_secret={SECRET}&x=1",
        f'answer {{"access_token": "{TOKEN}", "expires_in": 3600}}',
        f"access_token={TOKEN}",
        f"Authorization: Basic {SECRET}",
    ],
)
def test_redaction_removes_credentials_in_their_usual_shapes(text: str) -> None:
    redacted = RedactingFilter().redact(text)
    assert TOKEN not in redacted
    assert SECRET not in redacted
    assert "****" in redacted


def test_redaction_removes_a_registered_secret_anywhere() -> None:
    redactor = RedactingFilter()
    redactor.add_secret(SECRET)
    assert redactor.redact(f"odd place:{SECRET}!") == "odd place:****!"


def test_redaction_leaves_ordinary_text_alone() -> None:
    text = "imported 100 rows into list 7f3a in 2.5 s (scope contacts:write)"
    assert RedactingFilter().redact(text) == text


def log_to_buffer(redactor: RedactingFilter) -> tuple[logging.Logger, io.StringIO]:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(redactor)
    logger = logging.getLogger("cxone_outbound.tests.redaction")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, buffer


def test_a_log_record_with_arguments_is_redacted() -> None:
    logger, buffer = log_to_buffer(RedactingFilter([SECRET]))
    logger.info("token request %s with %r", {"client_secret": SECRET}, f"Bearer {TOKEN}")
    assert SECRET not in buffer.getvalue()
    assert TOKEN not in buffer.getvalue()


def test_an_exception_in_a_log_record_is_redacted() -> None:
    logger, buffer = log_to_buffer(RedactingFilter([SECRET]))
    try:
        raise ValueError(f"refused {SECRET}")
    except ValueError:
        logger.exception("failed")
    assert "ValueError" in buffer.getvalue()
    assert SECRET not in buffer.getvalue()


def test_configure_logging_redacts_records_from_any_logger(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(1, RedactingFilter([SECRET]))
    logging.getLogger("cxone_outbound.client.transport").info("secret is %s", SECRET)
    err = capsys.readouterr().err
    assert "secret is ****" in err
    assert SECRET not in err


def test_verbosity_maps_to_log_levels() -> None:
    assert [log_level_for(v) for v in (0, 1, 2, 3)] == [
        logging.WARNING, logging.INFO, logging.DEBUG, logging.DEBUG
    ]


def test_emit_json_writes_one_document_and_masks_secret_values() -> None:
    stream = io.StringIO()
    emit_json({"path": Path("/tmp/x"), "secret": SecretStr(SECRET), "tags": {"b", "a"}}, stream)
    assert orjson.loads(stream.getvalue()) == {
        "path": "/tmp/x", "secret": "****", "tags": ["a", "b"]
    }
    assert stream.getvalue().endswith("}\n")
