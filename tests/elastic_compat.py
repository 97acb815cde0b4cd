"""Where Elastic's AWS integration fixtures live, and how their folders map to logwarden datasets.

Reference data outside the repository (``../shared/compat/elastic-aws``; see its README): tests read it
there and skip without it. ``shared/`` sits beside the checkout (CI, main) or two levels up (a git
worktree); ``LOGWARDEN_COMPAT_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _compat_dir() -> Path:
    if os.environ.get("LOGWARDEN_COMPAT_DIR"):
        return Path(os.environ["LOGWARDEN_COMPAT_DIR"])
    for base in (REPO / "..", REPO / "../.."):
        candidate = (base / "shared/compat/elastic-aws").resolve()
        if candidate.is_dir():
            return candidate
    return (REPO / "../shared/compat/elastic-aws").resolve()


COMPAT_DIR = _compat_dir()

#: Elastic data stream folder -> logwarden dataset (the folders with input lines)
DATA_STREAMS = {
    "vpcflow": "vpcflow",
    "elb_logs": "elb",
    "s3access": "s3access",
    "cloudtrail": "cloudtrail",
    "cloudfront_logs": "cloudfront",
    "route53_public_logs": "route53",
    "guardduty": "guardduty",
    "waf": "waf",
    "apigateway_logs": "apigateway",
}
