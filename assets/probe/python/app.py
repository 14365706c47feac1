"""thaw's probe function for Python: answers every request with the probe headers, so
`thaw` knows exactly which execution environment served it and whether it was cold.

  x-thaw-env          the environment's id (its log stream's suffix, made at init)
  x-thaw-cold         true on the first invocation of an on-demand environment
  x-thaw-init-ms      the Init phase: process start to the end of this module's import
  x-thaw-invocations  invocations this environment has served, this one included
  x-thaw-init-type    AWS_LAMBDA_INITIALIZATION_TYPE

?sleep_ms=N holds the request N ms (at most 10 s), so a burst's requests overlap.
"""

import json
import os
import secrets
import time


def _process_age_ms():
    """Milliseconds since this process started (Linux: /proc), the Init phase's start."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime_s = float(f.read().split()[0])
        return max(0.0, (uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000.0)
    except (OSError, ValueError, IndexError):
        return 0.0


# Everything here runs once per environment, in the Init phase.
INIT_MS = _process_age_ms()
INIT_TYPE = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
_STREAM = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
ENV = _STREAM.rsplit("]", 1)[1] if "]" in _STREAM else secrets.token_hex(16)
_invocations = 0


def handler(event, context):
    global _invocations
    _invocations += 1
    # Provisioned environments initialized ahead of time: none of their requests waited.
    cold = _invocations == 1 and INIT_TYPE != "provisioned-concurrency"
    query = (event or {}).get("queryStringParameters") or {}
    try:
        sleep_ms = min(max(int(query.get("sleep_ms", "0")), 0), 10000)
    except ValueError:
        sleep_ms = 0
    if sleep_ms:
        time.sleep(sleep_ms / 1000.0)
    probe = {
        "env": ENV,
        "cold": cold,
        "initMs": round(INIT_MS, 2),
        "invocations": _invocations,
        "initType": INIT_TYPE,
    }
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "application/json",
            "x-thaw-env": ENV,
            "x-thaw-cold": "true" if cold else "false",
            "x-thaw-init-ms": f"{INIT_MS:.2f}",
            "x-thaw-invocations": str(_invocations),
            "x-thaw-init-type": INIT_TYPE,
        },
        "body": json.dumps(probe),
    }
