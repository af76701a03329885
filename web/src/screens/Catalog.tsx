// The catalog: search and filter items, page through them by cursor (keyset: "More" asks for
// the page after the last row shown), and see where an item is used.
import { useEffect, useState } from "preact/hooks";
import { request, type Problem } from "../api";
import {
  CatalogItemsDocument,
  WhereUsedDocument,
  type CatalogItemsQuery,
  type ItemCategory,
  type ToolItemFilter,
  type WhereUsedQuery,
} from "../gql/graphql";
import { href } from "../route";
import { Loading, Problems } from "../ui";

const CATEGORIES: ItemCategory[] = ["CUTTING_TOOL", "HOLDER", "INSERT", "ADAPTER", "PROBE", "OTHER"];

interface Filter {
  text: string;
  category: string;
  manufacturer: string;
}

function sent(filter: Filter): ToolItemFilter {
  return {
    text: filter.text.trim() || null,
    manufacturer: filter.manufacturer.trim() || null,
    category: (filter.category || null) as ItemCategory | null,
  };
}

type Item = CatalogItemsQuery["toolItems"]["edges"][number]["node"];
type Used = NonNullable<WhereUsedQuery["toolItem"]>;

export function Catalog() {
  const [filter, setFilter] = useState<Filter>({ text: "", category: "", manufacturer: "" });
  const [items, setItems] = useState<Item[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [selected, setSelected] = useState<string | null>(null);

  const load = async (after: string | null): Promise<void> => {
    const result = await request(CatalogItemsDocument, { filter: sent(filter), after });
    setProblems(result.problems);
    if (result.data === null) return;
    const page = result.data.toolItems;
    const rows = page.edges.map((e) => e.node);
    setItems(after === null ? rows : [...(items ?? []), ...rows]);
    setTotal(page.totalCount);
    setNext(page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null);
  };
  useEffect(() => void load(null), []);

  return (
    <section>
      <h1>Catalog</h1>
      <CatalogFilters filter={filter} onChange={setFilter} onSubmit={() => void load(null)} />
      <Problems problems={problems} />
      {items === null ? (
        problems.length === 0 && <Loading />
      ) : (
        <div class="row">
          <div>
            <p class="muted">
              {items.length} of {total} items
            </p>
            <ItemTable items={items} selected={selected} onSelect={setSelected} />
            {next !== null && (
              <p>
                <button type="button" onClick={() => void load(next)}>
                  More
                </button>
              </p>
            )}
          </div>
          {selected !== null && <WhereUsed key={selected} id={selected} />}
        </div>
      )}
    </section>
  );
}

function CatalogFilters(props: { filter: Filter; onChange: (filter: Filter) => void; onSubmit: () => void }) {
  const set = (key: keyof Filter, value: string): void => props.onChange({ ...props.filter, [key]: value });
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <label>
        Search{" "}
        <input
          name="text"
          type="search"
          value={props.filter.text}
          onInput={(e) => set("text", e.currentTarget.value)}
        />
      </label>
      <label>
        Category
        <select name="category" value={props.filter.category} onChange={(e) => set("category", e.currentTarget.value)}>
          <option value="">any</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {c.toLowerCase().replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Manufacturer{" "}
        <input
          name="manufacturer"
          value={props.filter.manufacturer}
          onInput={(e) => set("manufacturer", e.currentTarget.value)}
        />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

function ItemTable(props: { items: Item[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <table class="catalog">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Category</th>
          <th scope="col">Manufacturer</th>
          <th scope="col">Part number</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => (
          <tr key={item.id} class={item.id === props.selected ? "selected" : undefined}>
            <td>
              <button type="button" class="link" onClick={() => props.onSelect(item.id)}>
                {item.name}
              </button>
            </td>
            <td>{item.category.toLowerCase().replace("_", " ")}</td>
            <td>{item.manufacturer ?? ""}</td>
            <td>{item.partNumber ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Instance = Used["instances"][number];

function InstanceUse(props: { instance: Instance }) {
  const { instance } = props;
  return (
    <li>
      instance <a href={href("instances", instance.id)}>{instance.serialNumber ?? instance.id}</a>
      {instance.presets.length > 0 && (
        <ul>
          {instance.presets.map((p) => (
            <li key={p.id}>
              preset {p.name} on <a href={href("machines", p.machineId)}>{p.machineId}</a>
              {p.toolNumber !== null && p.toolNumber !== undefined && ` (T${p.toolNumber})`}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function WhereUsed(props: { id: string }) {
  const [used, setUsed] = useState<Used | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  useEffect(() => {
    void request(WhereUsedDocument, { id: props.id }).then((result) => {
      setProblems(result.problems);
      setUsed(result.data?.toolItem ?? null);
    });
  }, [props.id]);

  return (
    <aside class="panel where-used" aria-label="Where used">
      <Problems problems={problems} />
      {used === null ? (
        problems.length === 0 && <Loading />
      ) : (
        <>
          <h2>Where {used.name} is used</h2>
          {used.assemblies.length === 0 && used.instances.length === 0 && <p class="muted">Nowhere yet.</p>}
          <ul>
            {used.assemblies.map((a) => (
              <li key={a.id}>
                assembly {a.name}
                <ul>
                  {a.instances.map((i) => (
                    <InstanceUse key={i.id} instance={i} />
                  ))}
                </ul>
              </li>
            ))}
            {used.instances.map((i) => (
              <InstanceUse key={i.id} instance={i} />
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
