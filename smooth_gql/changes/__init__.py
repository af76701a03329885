"""The change feed: reading the log, cursors, and waking followers after commits."""
