"""`smooth-gql-linuxcnc`: LinuxCNC's tool database (DB_PROGRAM), backed by smooth-gql (issue 17).

A client of the public API only: GraphQL over HTTP for reads and writes, the `changes`
subscription over graphql-transport-ws to keep a local cache current, with an API key
restricted to the machine. Of the server it shares only the pure `tool.tbl` line code
(`smooth_gql.interchange.linuxcnc`, `smooth_gql.interchange.preset_lines`).

Exactly-once: every write LinuxCNC reports is first appended to the journal with an
idempotency key of its own (a uuid4, fsync'd with the entry before LinuxCNC gets `FINI`), then
replayed in order until the server has it. Every send of the entry, the first and each replay
after a restart, carries that key (`idempotencyKey`), so a send whose reply was lost is
answered with its stored result and not written again. The key is not the only safeguard: the
server keeps keys `SMOOTH_IDEMPOTENCY_HOURS` only (a bridge offline longer replays with expired
keys), and entries journaled before keys existed carry none. So each kind of write stays safe
to repeat on its own:
- a tool load creates its usage row with an id the bridge chose when it journaled the load;
  a retry that finds the id already stored (`CONSTRAINT` on `id`) counts as success;
- an unload ends that row with `expectedVersion` 1; a `VERSION_CONFLICT` re-reads the row and
  counts as success when the end time is already there;
- an offset (`p`) updates the preset at the version the operator saw; when the stored row
  is newer, the bridge re-reads it and writes only the fields the operator changed on top
  of it (or nothing, when they are already there, as after a lost reply).
A conflict round is a different request, so it goes under the entry's key with the version it
writes at (`outbox.key_for`): the server kept the refused round's outcome under the first.
"""
