// A tool instance's life: its usage records summed per day (cut time and cycles) on one SVG
// chart, and the wear measured at each use. Plain SVG: no chart library to ship.
import { useEffect, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import { InstanceLifeDocument, type InstanceLifeQuery } from "../gql/graphql";
import { Loading, Problems, when } from "../ui";

type Instance = NonNullable<InstanceLifeQuery["toolInstance"]>;
interface Day {
  day: string;
  cutTime: number;
  cycles: number;
}

const W = 640;
const H = 220;
const PAD = 36;

function perDay(usages: Instance["usages"]): Day[] {
  const days = new Map<string, Day>();
  for (const u of usages) {
    const day = u.startTime.slice(0, 10);
    const entry = days.get(day) ?? { day, cutTime: 0, cycles: 0 };
    entry.cutTime += u.cutTime ?? 0;
    entry.cycles += u.cycleCount ?? 0;
    days.set(day, entry);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

function Chart(props: { days: Day[] }) {
  const { days } = props;
  const maxCut = Math.max(1, ...days.map((d) => d.cutTime));
  const maxCycles = Math.max(1, ...days.map((d) => d.cycles));
  const x = (i: number): number =>
    PAD + (days.length === 1 ? (W - 2 * PAD) / 2 : (i * (W - 2 * PAD)) / (days.length - 1));
  const y = (value: number, max: number): number => H - PAD - (value * (H - 2 * PAD)) / max;
  const line = (pick: (d: Day) => number, max: number): string =>
    days.map((d, i) => `${x(i).toFixed(1)},${y(pick(d), max).toFixed(1)}`).join(" ");
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label="Cut time and cycles per day"
    >
      <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="#999" />
      <polyline
        points={line((d) => d.cutTime, maxCut)}
        fill="none"
        stroke="#0b5cad"
        stroke-width="2"
        class="cut-time"
      />
      <polyline
        points={line((d) => d.cycles, maxCycles)}
        fill="none"
        stroke="#c75000"
        stroke-width="2"
        stroke-dasharray="5 3"
        class="cycles"
      />
      {days.map((d, i) => (
        <g key={d.day}>
          <circle cx={x(i)} cy={y(d.cutTime, maxCut)} r="3" fill="#0b5cad">
            <title>{`${d.day}: ${d.cutTime} min cut time, ${d.cycles} cycles`}</title>
          </circle>
          <text x={x(i)} y={H - PAD + 14} text-anchor="middle">
            {d.day.slice(5)}
          </text>
        </g>
      ))}
      <text x={4} y={14}>
        cut time (max {maxCut})
      </text>
      <text x={W - 4} y={14} text-anchor="end">
        cycles (max {maxCycles})
      </text>
    </svg>
  );
}

export function InstanceLife(props: { id: string }) {
  const [instance, setInstance] = useState<Instance | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  useEffect(() => {
    void request(InstanceLifeDocument, { id: props.id }).then((result) => {
      setProblems(result.problems);
      setInstance(result.data?.toolInstance ?? null);
    });
  }, [props.id]);

  if (instance === null) return problems.length > 0 ? <Problems problems={problems} /> : <Loading />;
  const days = perDay(instance.usages);
  const usages = [...instance.usages].sort((a, b) => a.startTime.localeCompare(b.startTime));
  return (
    <section>
      <h1>
        Life of {instance.serialNumber ?? instance.id}{" "}
        <small class="muted">
          {instance.toolAssembly?.name} · {instance.status.toLowerCase()}
        </small>
      </h1>
      {days.length === 0 ? <p class="muted">No usage recorded yet.</p> : <Chart days={days} />}
      <p class="muted">
        <span class="key-cut">—</span> cut time per day, <span class="key-cycles">- -</span> cycles per day
      </p>
      <h2>Wear measurements</h2>
      <WearTable usages={usages} />
      {instance.measurements != null && (
        <p>
          Latest measurements: <code>{JSON.stringify(instance.measurements)}</code>
        </p>
      )}
    </section>
  );
}

function WearTable(props: { usages: Instance["usages"] }) {
  return (
    <table class="wear">
      <thead>
        <tr>
          <th scope="col">Used</th>
          <th scope="col">Machine</th>
          <th scope="col">Program</th>
          <th scope="col">Cut time</th>
          <th scope="col">Cycles</th>
          <th scope="col">Wear</th>
        </tr>
      </thead>
      <tbody>
        {props.usages.map((u) => (
          <tr key={u.id}>
            <td>{when(u.startTime)}</td>
            <td>{u.machineId ?? ""}</td>
            <td>{u.programName ?? ""}</td>
            <td>{u.cutTime ?? ""}</td>
            <td>{u.cycleCount ?? ""}</td>
            <td>{u.wearMeasurements == null ? "" : JSON.stringify(u.wearMeasurements)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
