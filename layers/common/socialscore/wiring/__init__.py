"""The composition root: the one place that builds the concrete stores, providers and queues a
use case runs on, from the configuration. Handlers, the ops CLI, the local runtime, bench and
tests ask it for a use case instead of wiring their own; the use cases (pipeline/) see only the
ports (pipeline/ports.py), so a test passes in-memory fakes where this module passes DynamoDB.

Each builder imports what it builds when it is called, never at import time: a handler's cold
start pays only for its own stage (bench/cold_start.py)."""
