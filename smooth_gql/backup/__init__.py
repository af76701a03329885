"""Backup and restore: the one service behind GraphQL, REST and the CLI.

This package sits above `services/` and `legacy/`: a backup row is the legacy
wire shape of a tool row (contract §9.1) checked with the services' field
rules, so it needs both, and neither may import it.

Who may do what (contract §0.1 item 4): every caller needs `admin:backup`
(sessions hold every scope) and a key narrowed by tags or a machine is
refused, since a backup cannot be narrowed. A *user* backup holds the
caller's own rows, with no password or key hash and no other account's id;
restoring one replaces the importer's tool rows only, whatever owner the rows
claim. A *full* ("admin") backup holds everything, hashes included, and only
an admin (a session, or the trusted console) may take or restore one; API
keys act for their owner only, so they never can.

The change feed stays truthful (DESIGN §4): a restore writes one change row
per row it removed (DELETED) and per row it restored (CREATED or UPDATED, with
the restored version), so a follower that keeps its cursor converges on the
restored state. A full restore also replaces the change log: its history
describes a database that no longer exists, so the old rows go, the
restore's rows are numbered after both this log's and the backup's position
(sequence numbers never go backwards), and every older cursor is refused with
CURSOR_EXPIRED: its holder resynchronizes in full.

Modules: `service` (the doors' two calls), `export` (reading a snapshot),
`document` (the envelope and its lists), `entity_lists` and `table_lists`
(one row of each list, both ways), `values` (a checked value), `plan` (the
checked rows of a restore), `restore` (the transaction that applies them).
"""
