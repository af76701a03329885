// A machine's tool table: each preset with its instance, assembly and items, from one nested
// query, kept current by the change feed. A row another client changed is fetched again and
// marked as new for a few seconds. Keyboard: arrows move between rows, Enter edits, Escape
// leaves the editor.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import { PresetRowDocument, ToolTableDocument, type TablePresetFragment } from "../gql/graphql";
import { followChanges, type Change } from "../live";
import { href } from "../route";
import { Loading, Problems } from "../ui";
import { PresetEditor } from "./PresetEditor";

const FRESH_MS = 5000; // how long a row a change touched stays marked

type Rows = Map<string, TablePresetFragment>;

function byToolNumber(a: TablePresetFragment, b: TablePresetFragment): number {
  return (a.toolNumber ?? Infinity) - (b.toolNumber ?? Infinity) || a.name.localeCompare(b.name);
}

/** Which rows a change may alter: the preset itself, or rows showing the changed instance,
 * assembly or item. */
function touched(rows: Rows, change: Change): string[] {
  if (change.entityType === "TOOL_PRESET") return [change.entityId];
  const id = change.entityId;
  return [...rows.values()]
    .filter((row) => {
      const instance = row.toolInstance;
      if (!instance) return false;
      const assembly = instance.toolAssembly;
      return (
        instance.id === id ||
        assembly?.id === id ||
        (assembly?.components ?? []).some((c) => c.item?.id === id)
      );
    })
    .map((row) => row.id);
}

export function ToolTable(props: { machineId: string }) {
  const [rows, setRows] = useState<Rows | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Problem[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const rowsRef = useRef<Rows>(new Map());
  const body = useRef<HTMLTableSectionElement>(null);

  const mark = (id: string): void => {
    setFresh((old) => new Set(old).add(id));
    setTimeout(() => {
      setFresh((old) => {
        const next = new Set(old);
        next.delete(id);
        return next;
      });
    }, FRESH_MS);
  };

  const refetch = async (id: string): Promise<void> => {
    const result = await request(PresetRowDocument, { id });
    const next = new Map(rowsRef.current);
    const row = result.data?.toolPreset;
    if (row && row.machineId === props.machineId) {
      next.set(id, row);
      mark(id);
    } else if (result.data) next.delete(id); // deleted, or moved to another machine
    rowsRef.current = next;
    setRows(next);
  };

  useEffect(() => {
    let live = true;
    const load = async (): Promise<void> => {
      const result = await request(ToolTableDocument, { machineId: props.machineId });
      if (!live) return;
      if (result.data === null) return setProblems(result.problems);
      performance.mark("tool-table-data");
      const next: Rows = new Map(result.data.toolPresets.edges.map(({ node }) => [node.id, node]));
      rowsRef.current = next;
      setRows(next);
    };
    void load();
    const stop = followChanges(null, (change) => {
      for (const id of touched(rowsRef.current, change)) void refetch(id);
    });
    return () => {
      live = false;
      stop();
    };
  }, [props.machineId]);

  // The render budget's measure: from the data's arrival to the rows built and laid out
  // (reading offsetHeight forces the layout now, before the measure ends).
  useLayoutEffect(() => {
    if (rows !== null && performance.getEntriesByName("tool-table-data").length > 0) {
      void body.current?.offsetHeight;
      performance.measure("tool-table-render", "tool-table-data");
      performance.clearMarks("tool-table-data");
    }
  }, [rows]);

  const sorted = useMemo(() => (rows ? [...rows.values()].sort(byToolNumber) : []), [rows]);

  const onKey = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement;
    if (target.tagName !== "TR") return;
    const move = (row: Element | null): void => {
      if (row instanceof HTMLElement) {
        event.preventDefault();
        row.focus();
      }
    };
    if (event.key === "ArrowDown") move(target.nextElementSibling);
    else if (event.key === "ArrowUp") move(target.previousElementSibling);
    else if (event.key === "Home") move(body.current?.firstElementChild ?? null);
    else if (event.key === "End") move(body.current?.lastElementChild ?? null);
    else if (event.key === "Enter") {
      event.preventDefault();
      setEditing(target.dataset.id ?? null);
    }
  };

  const closeEditor = (id: string): void => {
    setEditing(null);
    requestAnimationFrame(() => body.current?.querySelector<HTMLElement>(`tr[data-id="${id}"]`)?.focus());
  };

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
                <th scope="col">T</th>
                <th scope="col">Pocket</th>
                <th scope="col">Preset</th>
                <th scope="col">Instance</th>
                <th scope="col">Assembly</th>
                <th scope="col">Items</th>
                <th scope="col">v</th>
              </tr>
            </thead>
            <tbody ref={body} onKeyDown={onKey}>
              {sorted.map((row) =>
                editing === row.id ? (
                  <PresetEditor key={row.id} preset={row} onClose={() => closeEditor(row.id)} onSaved={(saved) => {
                    const next = new Map(rowsRef.current).set(saved.id, saved);
                    rowsRef.current = next;
                    setRows(next);
                  }} />
                ) : (
                  <PresetRow key={row.id} row={row} fresh={fresh.has(row.id)} onEdit={() => setEditing(row.id)} />
                ),
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function PresetRow(props: { row: TablePresetFragment; fresh: boolean; onEdit: () => void }) {
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
