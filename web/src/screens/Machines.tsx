// Every machine that has presets, with how many: read from the presets' machineId (the API
// has no machine entity), one 1,000-row page at a time.
import { useEffect, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import { MachineIdsDocument, type MachineIdsQuery } from "../gql/graphql";
import type { Result } from "../api";
import { href } from "../route";
import { Loading, Problems } from "../ui";

export function Machines() {
  const [machines, setMachines] = useState<Map<string, number> | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);

  useEffect(() => {
    void (async () => {
      const counts = new Map<string, number>();
      let after: string | null = null;
      for (;;) {
        const result: Result<MachineIdsQuery> = await request(MachineIdsDocument, { after });
        if (result.data === null) return setProblems(result.problems);
        for (const { node } of result.data.toolPresets.edges) {
          counts.set(node.machineId, (counts.get(node.machineId) ?? 0) + 1);
        }
        const page: MachineIdsQuery["toolPresets"]["pageInfo"] = result.data.toolPresets.pageInfo;
        if (!page.hasNextPage) break;
        after = page.endCursor ?? null;
      }
      setMachines(counts);
    })();
  }, []);

  return (
    <section>
      <h1>Machines</h1>
      <Problems problems={problems} />
      {machines === null ? (
        problems.length === 0 && <Loading />
      ) : machines.size === 0 ? (
        <p class="muted">No machine has a preset yet.</p>
      ) : (
        <ul class="machines">
          {[...machines.entries()].map(([id, count]) => (
            <li key={id}>
              <a href={href("machines", id)}>{id}</a> <span class="muted">{count} presets</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
