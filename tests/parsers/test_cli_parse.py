"""``python -m streams.cli parse --dataset D FILE`` over the golden fixtures, one file per dataset.

The CLI runs the whole processor chain (decoder, parser, offline enrichers),
so its documents must hold every field of the golden parser output with the
same value (enrichers may add fields) and the same number of documents.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.parsers.compat import flatten

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "parsers"


def _one_file_per_dataset() -> list[Path]:
    chosen: dict[str, Path] = {}
    for log in sorted(DATA.glob("*.log")):
        config = log.with_suffix(".config.json")
        if config.exists() and "_envelope" in json.loads(config.read_text()):
            continue  # needs a CloudWatch envelope the plain file source does not have
        chosen.setdefault(log.stem.split("-")[0], log)
    return sorted(chosen.values())


@pytest.mark.parametrize("log", _one_file_per_dataset(), ids=lambda p: p.name)
def test_cli_parse_matches_golden(log: Path) -> None:
    dataset = log.stem.split("-")[0]
    command = [sys.executable, "-m", "streams.cli", "parse", "--dataset", dataset, str(log)]
    config = log.with_suffix(".config.json")
    if config.exists():
        for key, value in json.loads(config.read_text()).items():
            command += ["-o", f"{key}={json.dumps(value)}"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    documents = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    golden = json.loads(log.with_suffix(".expected.json").read_text())["events"]
    assert len(documents) == len(golden), run.stderr
    for want, got in zip(golden, documents, strict=True):
        flat_got = flatten(got)
        missing = {k: v for k, v in flatten(want["doc"]).items() if flat_got.get(k) != v}
        assert not missing, f"line {want['line']}: {missing}"


@pytest.mark.parametrize("encoding", ["gzip", "base64"])
def test_cli_parse_cloudwatch_dispatches_each_log_event(tmp_path: Path, encoding: str) -> None:
    import base64
    import gzip

    flow = "2 123456789012 eni-0a1b2c3d 10.0.0.5 52.1.2.3 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK"
    lambda_line = "REPORT RequestId: 3f1c2d4e-1111-2222-3333-444455556666\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB"
    payloads = [
        {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/vpc/flowlogs/vpc-1",
         "logStream": "eni-0a1b2c3d-all", "subscriptionFilters": ["f"],
         "logEvents": [{"id": "1", "timestamp": 1700000060000, "message": flow},
                       {"id": "2", "timestamp": 1700000061000, "message": "not a flow"}]},
        {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/aws/lambda/checkout",
         "logStream": "2023/11/14/[$LATEST]abc", "subscriptionFilters": ["f"],
         "logEvents": [{"id": "3", "timestamp": 1700000062000, "message": lambda_line}]},
        {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
         "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1700000000000, "message": "CWL CONTROL MESSAGE"}]},
    ]
    blobs = [gzip.compress(json.dumps(p).encode()) for p in payloads]
    path = tmp_path / "payloads"
    if encoding == "gzip":
        path.write_bytes(blobs[0])  # one gzip payload per file, as S3/Firehose deliver them
    else:
        path.write_text("\n".join(base64.b64encode(b).decode() for b in blobs) + "\n")
    run = subprocess.run([sys.executable, "-m", "streams.cli", "parse", "--dataset", "cloudwatch", str(path)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    docs = [json.loads(line) for line in run.stdout.splitlines()]
    errors = [json.loads(line) for line in run.stderr.splitlines() if '"reason"' in line]
    assert docs[0]["event"]["dataset"] == "aws.vpcflow"
    assert docs[0]["aws"]["cloudwatch"]["log_group"] == "/aws/vpc/flowlogs/vpc-1"
    assert docs[0]["cloud"]["account"]["id"] == "123456789012"
    assert [e["raw"] for e in errors] == ["not a flow"]
    if encoding == "base64":
        assert [d["event"]["dataset"] for d in docs] == ["aws.vpcflow", "aws.lambda"]
        assert "control_message" in run.stderr.splitlines()[-1]
