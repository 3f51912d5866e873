"""One ticket protocol for both sides: the engine's codes, the integration's and the service's."""

from __future__ import annotations

from pathlib import Path

from custom_components.fridge_care.analysis.model import FaultCode, Severity
from custom_components.fridge_care.tickets import protocol

ROOT = Path(__file__).parents[3]


def test_the_service_reads_the_integrations_protocol_file() -> None:
    """The service's protocol module is this very file, not a copy that could drift."""
    served = ROOT / "webhook_server" / "protocol.py"
    assert served.is_symlink()
    assert served.resolve() == Path(protocol.__file__).resolve()


def test_protocol_names_every_fault_and_severity_the_engine_reports() -> None:
    assert tuple(code.value for code in FaultCode) == protocol.FAULT_CODES
    assert tuple(severity.value for severity in Severity) == protocol.SEVERITIES
