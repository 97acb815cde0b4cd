"""The embedded default configs: ``logwarden run`` with no config, and ``replay`` without ``-c``.

The default run needs no cloud account and no Docker: a synthetic AWS traffic
generator (VPC Flow Logs with injected anomalies) feeds the pipeline, and
documents, findings and dead letters go to files under ``./logwarden-out/``.
"""

from __future__ import annotations

from typing import Any


def default_detectors() -> list[dict[str, Any]]:
    return [
        {"name": "vpc-rejects-by-eni", "type": "vpc_rejects"},
        {"name": "port-scan", "type": "port_scan"},
        {"name": "log-rate-by-eni", "type": "log_rate", "keys": ["aws.vpcflow.interface_id"]},
    ]


def output_sections(out: str) -> dict[str, Any]:
    return {
        "sinks": [{"type": "ndjson", "name": "documents", "directory": f"{out}/documents"}],
        "dead_letter": {"type": "ndjson", "name": "dead-letter", "directory": out, "filename": "deadletter.ndjson"},
        "finding_sinks": [
            {"type": "ndjson", "name": "findings", "path": f"{out}/findings.ndjson"},
            {"type": "console", "name": "console"},
        ],
    }


def default_config(out: str = "./logwarden-out") -> dict[str, Any]:
    return {
        "sources": [
            {
                "type": "generator",
                "name": "demo",
                "seed": 7,
                "duration": "45m",
                "malformed_every": 5000,
                "labels_path": f"{out}/labels.json",
                "anomalies": [
                    {"kind": "reject_spike", "start": "20m", "end": "25m"},
                    {"kind": "port_scan", "start": "32m", "end": "34m"},
                    {"kind": "silence", "start": "38m", "end": "42m"},
                ],
            }
        ],
        **output_sections(out),
        "detectors": default_detectors(),
        "state": {"path": f"{out}/detector-state.pickle"},
        "logging": {"format": "text"},
    }


def replay_defaults(out: str = "./logwarden-out") -> dict[str, Any]:
    return {**output_sections(out), "detectors": default_detectors(), "logging": {"format": "text"}}
