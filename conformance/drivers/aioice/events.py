"""Adapter events (conformance/ADAPTER.md "Events"): one JSON object per line on stdout; the log goes to stderr."""
import json
import sys


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def log(message):
    sys.stderr.write(f"aioice-driver: {message}\n")
    sys.stderr.flush()
