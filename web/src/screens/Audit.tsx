// The audit log, newest first, with the API's filters; "More" continues after the last row.
import { useEffect, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import { AuditLogDocument, type AuditLogFilter, type AuditLogQuery } from "../gql/graphql";
import { Problems, when } from "../ui";

type Entry = AuditLogQuery["auditLog"]["edges"][number]["node"];
const FILTERS: [keyof AuditLogFilter, string][] = [
  ["entityType", "Entity type"],
  ["entityId", "Entity id"],
  ["operation", "Operation"],
  ["result", "Result"],
  ["userId", "User id"],
];

export function Audit() {
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [entries, setEntries] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);

  const load = async (after: string | null): Promise<void> => {
    const sent: AuditLogFilter = {};
    for (const [key] of FILTERS) if (filter[key]?.trim()) sent[key] = filter[key]!.trim();
    for (const key of ["since", "until"] as const) {
      if (filter[key]) sent[key] = new Date(filter[key]!).toISOString();
    }
    const result = await request(AuditLogDocument, { filter: sent, after });
    setProblems(result.problems);
    if (result.data === null) return;
    const rows = result.data.auditLog.edges.map((e) => e.node);
    setEntries(after === null ? rows : [...entries, ...rows]);
    const page = result.data.auditLog.pageInfo;
    setNext(page.hasNextPage ? (page.endCursor ?? null) : null);
  };
  useEffect(() => void load(null), []);

  return (
    <section>
      <h1>Audit log</h1>
      <AuditFilters filter={filter} onChange={setFilter} onSubmit={() => void load(null)} />
      <Problems problems={problems} />
      <AuditTable entries={entries} />
      {next !== null && (
        <p>
          <button type="button" onClick={() => void load(next)}>
            More
          </button>
        </p>
      )}
    </section>
  );
}

function AuditTable(props: { entries: Entry[] }) {
  return (
    <table class="audit">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Operation</th>
          <th scope="col">Entity</th>
          <th scope="col">Result</th>
          <th scope="col">User</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((entry) => (
          <tr key={entry.id}>
            <td>{when(entry.timestamp)}</td>
            <td>{entry.operation}</td>
            <td>
              {entry.entityType} <small class="muted">{entry.entityId}</small>
            </td>
            <td>
              {entry.result}
              {entry.errorMessage && <small class="error"> {entry.errorMessage}</small>}
            </td>
            <td>
              <small>{entry.userId}</small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AuditFilters(props: {
  filter: Record<string, string>;
  onChange: (filter: Record<string, string>) => void;
  onSubmit: () => void;
}) {
  const set = (key: string) => (e: { currentTarget: HTMLInputElement }) =>
    props.onChange({ ...props.filter, [key]: e.currentTarget.value });
  const input = (key: string, label: string) => (
    <label key={key}>
      {label}
      <input name={key} value={props.filter[key] ?? ""} onInput={set(key)} />
    </label>
  );
  const moment = (key: string, label: string) => (
    <label key={key}>
      {label}
      <input name={key} type="datetime-local" value={props.filter[key] ?? ""} onInput={set(key)} />
    </label>
  );
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {FILTERS.map(([key, label]) => input(key, label))}
      {moment("since", "Since")}
      {moment("until", "Until")}
      <button type="submit">Filter</button>
    </form>
  );
}
