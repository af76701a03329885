// A machine's tool table: each preset with its instance, assembly and items, from one nested
// query, kept current by the change feed. A row another client changed is fetched again and
// marked as new for a few seconds. Keyboard: arrows move between rows, Enter edits, Escape
// leaves the editor.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { feed, request, type Problem } from "../api";
import { PresetRowDocument, ToolTableDocument, type TablePresetFragment } from "../gql/graphql";
import { followChanges, type Change } from "../live";
import { href } from "../route";
import { Loading, Problems } from "../ui";
import { PresetEditor } from "./PresetEditor";

const FRESH_MS = 5000; // how long a row a change touched stays marked

type Preset = TablePresetFragment;
type Rows = Map<string, Preset>;

function byToolNumber(a: Preset, b: Preset): number {
  return (a.toolNumber ?? Infinity) - (b.toolNumber ?? Infinity) || a.name.localeCompare(b.name);
}

/** Which rows a change may alter: the preset itself, or rows showing the changed instance,
 * assembly or item. */
function touched(rows: Rows, change: Change): string[] {
  if (change.entityType === "TOOL_PRESET") return [change.entityId];
  const id = change.entityId;
  const shows = (row: Preset): boolean => {
    const instance = row.toolInstance;
    const assembly = instance?.toolAssembly;
    return instance?.id === id || assembly?.id === id || (assembly?.components ?? []).some((c) => c.item?.id === id);
  };
  return [...rows.values()].filter(shows).map((row) => row.id);
}

/** The machine's rows, loaded once and then kept current from the feed; `fresh` holds the
 * ids of rows a change touched in the last FRESH_MS. */
function useLiveRows(machineId: string) {
  const [rows, setRows] = useState<Rows | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Problem[]>([]);
  const current = useRef<Rows>(new Map());

  const put = (change: (next: Rows) => void): void => {
    const next = new Map(current.current);
    change(next);
    current.current = next;
    setRows(next);
  };
  const mark = (id: string): void => {
    setFresh((old) => new Set(old).add(id));
    setTimeout(() => setFresh((old) => new Set([...old].filter((other) => other !== id))), FRESH_MS);
  };
  const refetch = async (id: string): Promise<void> => {
    const result = await request(PresetRowDocument, { id });
    if (result.data === null) return;
    const row = result.data.toolPreset;
    if (row && row.machineId === machineId) {
      put((next) => next.set(id, row));
      mark(id);
    } else put((next) => next.delete(id)); // deleted, or moved to another machine
  };

  // The table is (re)loaded each time the feed connects, after the subscription was sent:
  // a change committed before the load is in it, one after reaches the subscription, and
  // after a dropped connection the reload covers whatever the gap held. (The API has no
  // query for the feed's current end, so the subscription cannot start at the load's
  // position; a change the two both see is only fetched twice.)
  useEffect(() => {
    let live = true;
    const load = async (): Promise<void> => {
      const result = await request(ToolTableDocument, { machineId });
      if (!live) return;
      if (result.data === null) return setProblems(result.problems);
      performance.mark("tool-table-data");
      const edges = result.data.toolPresets.edges;
      put((next) => {
        next.clear();
        edges.forEach(({ node }) => next.set(node.id, node));
      });
    };
    const offConnected = feed().on("connected", () => void load());
    const stop = followChanges(null, (change) => touched(current.current, change).forEach((id) => void refetch(id)));
    return () => {
      live = false;
      offConnected();
      stop();
    };
  }, [machineId]);

  const saved = (row: Preset): void => put((next) => next.set(row.id, row));
  return { rows, fresh, problems, saved };
}

export function ToolTable(props: { machineId: string }) {
  const { rows, fresh, problems, saved } = useLiveRows(props.machineId);
  return (
    <section>
      <p>
        <a href={href("machines")}>Machines</a> /
      </p>
      <h1>
        Tool table of <span class="machine-id">{props.machineId}</span>
      </h1>
      <Problems problems={problems} />
      {rows === null ? (
        problems.length === 0 && <Loading />
      ) : (
        <>
          <p class="muted" aria-live="polite">
            {rows.size} presets · live
          </p>
          <table class="tool-table" aria-label={`Tool table of ${props.machineId}`}>
            <thead>
              <tr>
                {["T", "Pocket", "Preset", "Instance", "Assembly", "Items", "v"].map((title) => (
                  <th key={title} scope="col">
                    {title}
                  </th>
                ))}
              </tr>
            </thead>
            <TableBody rows={rows} fresh={fresh} onSaved={saved} />
          </table>
        </>
      )}
    </section>
  );
}

function TableBody(props: { rows: Rows; fresh: Set<string>; onSaved: (row: Preset) => void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const sorted = useMemo(() => [...props.rows.values()].sort(byToolNumber), [props.rows]);

  // The render budget's measure: from the data's arrival to the rows built and laid out
  // (reading offsetHeight forces the layout now, before the measure ends).
  useLayoutEffect(() => {
    if (performance.getEntriesByName("tool-table-data").length > 0) {
      void body.current?.offsetHeight;
      performance.measure("tool-table-render", "tool-table-data");
      performance.clearMarks("tool-table-data");
    }
  }, [props.rows]);

  const onKey = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    if (target.tagName !== "TR") return;
    const moves: Record<string, Element | null | undefined> = {
      ArrowDown: target.nextElementSibling,
      ArrowUp: target.previousElementSibling,
      Home: body.current?.firstElementChild,
      End: body.current?.lastElementChild,
    };
    const to = moves[event.key];
    if (to instanceof HTMLElement) to.focus();
    else if (event.key === "Enter") setEditing(target.dataset.id ?? null);
    else return;
    event.preventDefault();
  };
  const close = (id: string): void => {
    setEditing(null);
    requestAnimationFrame(() => body.current?.querySelector<HTMLElement>(`tr[data-id="${id}"]`)?.focus());
  };

  return (
    <tbody ref={body} onKeyDown={onKey}>
      {sorted.map((row) =>
        editing === row.id ? (
          <PresetEditor key={row.id} preset={row} onClose={() => close(row.id)} onSaved={props.onSaved} />
        ) : (
          <PresetRow key={row.id} row={row} fresh={props.fresh.has(row.id)} onEdit={() => setEditing(row.id)} />
        ),
      )}
    </tbody>
  );
}

function PresetRow(props: { row: Preset; fresh: boolean; onEdit: () => void }) {
  const { row } = props;
  const instance = row.toolInstance;
  const assembly = instance?.toolAssembly;
  return (
    <tr tabIndex={0} data-id={row.id} class={props.fresh ? "fresh" : undefined} onDblClick={props.onEdit}>
      <td>{row.toolNumber ?? ""}</td>
      <td>{row.pocket ?? ""}</td>
      <td>
        {row.name}
        {props.fresh && <span class="badge">new</span>}
      </td>
      <td>{instance ? <a href={href("instances", instance.id)}>{instance.serialNumber ?? instance.id}</a> : "—"}</td>
      <td>{assembly?.name ?? "—"}</td>
      <td>
        {(assembly?.components ?? []).map((c, index) => (
          <span key={index} class="item">
            {c.item?.name ?? "?"} <small>{c.role.toLowerCase()}</small>
          </span>
        ))}
      </td>
      <td>{row.version}</td>
    </tr>
  );
}
