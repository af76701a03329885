"""The legacy Smooth Core REST API (contract: spec/rest-compat.md), as a thin skin over services/."""
