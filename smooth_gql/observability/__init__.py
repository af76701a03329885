"""What an operator sees of a running server: JSON logs, request ids, Prometheus metrics."""
