// Tool sets: a set's members and its history; pick two versions to compare side by side,
// or restore an old one (the restore is a new version: history is never rewritten).
import { useEffect, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import {
  CompareToolSetVersionsDocument,
  RestoreToolSetVersionDocument,
  ToolSetDetailDocument,
  ToolSetsDocument,
  type CompareToolSetVersionsQuery,
  type ToolSetDetailQuery,
  type ToolSetsQuery,
} from "../gql/graphql";
import { href } from "../route";
import { Loading, Problems, when } from "../ui";

type SetRow = ToolSetsQuery["toolSets"]["edges"][number]["node"];
type Detail = ToolSetDetailQuery;
type Comparison = CompareToolSetVersionsQuery["compareToolSetVersions"];

export function ToolSets(props: { selected: string | null }) {
  const [sets, setSets] = useState<SetRow[] | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  useEffect(() => {
    void request(ToolSetsDocument).then((result) => {
      setProblems(result.problems);
      setSets(result.data ? result.data.toolSets.edges.map((e) => e.node) : null);
    });
  }, []);

  return (
    <section>
      <h1>Tool sets</h1>
      <Problems problems={problems} />
      <div class="row">
        <nav aria-label="Tool sets" class="panel">
          {sets === null ? (
            problems.length === 0 && <Loading />
          ) : sets.length === 0 ? (
            <p class="muted">No tool set yet.</p>
          ) : (
            <ul>
              {sets.map((s) => (
                <li key={s.id}>
                  <a href={href("sets", s.id)} aria-current={s.id === props.selected ? "page" : undefined}>
                    {s.name}
                  </a>{" "}
                  <small class="muted">
                    v{s.version} · {s.status.toLowerCase()}
                  </small>
                </li>
              ))}
            </ul>
          )}
        </nav>
        {props.selected !== null && <ToolSetDetail id={props.selected} />}
      </div>
    </section>
  );
}

function ToolSetDetail(props: { id: string }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [picked, setPicked] = useState<number[]>([]);
  const [comparison, setComparison] = useState<Comparison | null>(null);

  const load = async (): Promise<void> => {
    const result = await request(ToolSetDetailDocument, { id: props.id });
    setProblems(result.problems);
    setDetail(result.data);
  };
  useEffect(() => void load(), [props.id]);

  const pick = (version: number, on: boolean): void => {
    setComparison(null);
    setPicked(on ? [...picked, version].slice(-2).sort((a, b) => a - b) : picked.filter((v) => v !== version));
  };
  const compare = async (): Promise<void> => {
    const [a, b] = picked as [number, number];
    const result = await request(CompareToolSetVersionsDocument, { id: props.id, a, b });
    setProblems(result.problems);
    setComparison(result.data?.compareToolSetVersions ?? null);
  };
  const restore = async (version: number): Promise<void> => {
    const result = await request(RestoreToolSetVersionDocument, { id: props.id, version });
    setProblems(result.problems);
    if (result.data === null) return;
    setPicked([]);
    setComparison(null);
    await load();
  };

  if (detail === null) return problems.length > 0 ? <Problems problems={problems} /> : <Loading />;
  const set = detail.toolSet;
  if (!set) return <p>This tool set does not exist (or is not yours).</p>;
  return (
    <div class="set-detail">
      <h2>
        {set.name} <small class="muted">v{set.version}</small>
      </h2>
      <Problems problems={problems} />
      <div class="row">
        <Members set={set} />
        <History
          versions={detail.toolSetHistory}
          picked={picked}
          onPick={pick}
          onCompare={() => void compare()}
          onRestore={(v) => void restore(v)}
        />
      </div>
      {comparison && <ComparisonTable comparison={comparison} versions={picked} />}
    </div>
  );
}

function Members(props: { set: NonNullable<Detail["toolSet"]> }) {
  return (
    <div class="panel">
      <h3>Members</h3>
      <ul class="members">
        {props.set.toolPresets.map((p) => (
          <li key={p.id}>
            preset {p.name} {p.toolNumber != null && `T${p.toolNumber}`} on{" "}
            <a href={href("machines", p.machineId)}>{p.machineId}</a>
          </li>
        ))}
        {props.set.toolInstances.map((i) => (
          <li key={i.id}>
            instance <a href={href("instances", i.id)}>{i.serialNumber ?? i.id}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function History(props: {
  versions: Detail["toolSetHistory"];
  picked: number[];
  onPick: (version: number, on: boolean) => void;
  onCompare: () => void;
  onRestore: (version: number) => void;
}) {
  const { picked } = props;
  return (
    <div class="panel">
      <h3>History</h3>
      <table class="history">
        <tbody>
          {props.versions.map((v) => (
            <tr key={v.version}>
              <td>
                <label>
                  <input
                    type="checkbox"
                    name="compare"
                    value={v.version}
                    checked={picked.includes(v.version)}
                    onChange={(e) => props.onPick(v.version, e.currentTarget.checked)}
                  />{" "}
                  v{v.version}
                  {v.isCurrent && " (current)"}
                </label>
              </td>
              <td>{when(v.changedAt)}</td>
              <td>{v.changeSummary ?? ""}</td>
              <td>
                {!v.isCurrent && (
                  <button type="button" onClick={() => props.onRestore(v.version)}>
                    Restore v{v.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" disabled={picked.length !== 2} onClick={props.onCompare}>
        Compare {picked.length === 2 ? `v${picked[0]} and v${picked[1]}` : "two versions"}
      </button>
    </div>
  );
}

function ComparisonTable(props: { comparison: Comparison; versions: number[] }) {
  const { comparison, versions } = props;
  return (
    <table class="compare" aria-label="Comparison">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">v{versions[0]}</th>
          <th scope="col">v{versions[1]}</th>
        </tr>
      </thead>
      <tbody>
        {comparison.totalChanges === 0 && (
          <tr>
            <td colSpan={3}>No difference.</td>
          </tr>
        )}
        {comparison.differences.map((d) => (
          <tr key={d.field}>
            <th scope="row">{d.field}</th>
            <td>{JSON.stringify(d.valueA, null, 1)}</td>
            <td>{JSON.stringify(d.valueB, null, 1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
