"""What an operator sees of a running server: JSON logs, request ids, Prometheus metrics."""

# prometheus-client's multiprocess mode. Named here, not in `metrics`, so that `serve` can set
# or clear it before anything imports prometheus-client, which reads it once, at import.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
