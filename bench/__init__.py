"""Benchmark of the smooth_gql GraphQL server against the raw-SQL floor of the same work.

Run it with ``python -m bench`` (``--help`` lists the options). It builds a
realistic data set on a fresh database through the app's own bulk mutations,
then times three workloads through the real ASGI app in process and, beside
each, the cheapest way to fetch or write the same rows with SQLAlchemy Core on
the same engine. The ratio of the two is what the targets are about: absolute
milliseconds depend on the machine, the ratio to the floor mostly does not.

This is a benchmark, not a test: it reports, it does not assert (unless asked
to with ``--check``).
"""
