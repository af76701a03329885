// What a front end does over plain HTTP beside its subscription: find the head of the change
// log, and write a tool item. Node's own fetch, the key as a bearer token.

export const CHANGES = `subscription Follow($after: String) {
  changes(after: $after, entityTypes: [TOOL_ITEM]) { cursor entityType entityId operation version }
}`;

export function args() {
  const [httpUrl, wsUrl, key] = process.argv.slice(2);
  if (!httpUrl || !key) {
    console.error("usage: node <script>.mjs HTTP_URL WS_URL API_KEY");
    process.exit(2);
  }
  // Bounded: a client that hears nothing must not hang the test suite.
  setTimeout(() => {
    console.error("timed out after 60 s");
    process.exit(3);
  }, 60_000).unref();
  process.on("exit", () => {
    if (!finished) console.error("the client stopped before it had a result (see the errors above)");
  });
  return { httpUrl, wsUrl, key };
}

let finished = false;

// The one line of JSON the test reads.
export function finish(result) {
  finished = true;
  console.log(JSON.stringify(result));
  process.exit(0);
}

async function post(httpUrl, key, query, variables) {
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

export async function headCursor(httpUrl, key) {
  const data = await post(httpUrl, key, "{ changesSince(first: 0) { endCursor } }", {});
  return data.changesSince.endCursor;
}

export async function createItem(httpUrl, key, name) {
  const data = await post(
    httpUrl,
    key,
    "mutation($name: String!) { createToolItems(input: [{name: $name, category: HOLDER}]) { results { id } } }",
    { name },
  );
  return data.createToolItems.results[0].id;
}

// `extensions.cost` of every subscription result taken, as the stock client hands it over.
export const costs = [];

// The next `count` results of a subscription's async iterator (graphql-ws and graphql-sse
// both offer `iterate`); a result with errors ends the script.
export async function take(iterator, count) {
  const got = [];
  while (got.length < count) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`subscription ended after ${got.length} results`);
    if (value.errors) throw new Error(`subscription errors: ${JSON.stringify(value.errors)}`);
    got.push(value.data.changes);
    costs.push(value.extensions?.cost ?? null);
  }
  return got;
}

// Subscribe from the head, see a write made over HTTP, stop; miss two writes; resume from the
// last cursor. `open(after)` returns [iterator, close] for a new client.
export async function followThenResume(httpUrl, key, open) {
  const head = await headCursor(httpUrl, key);
  let [iterator, close] = open(head);
  const liveId = await createItem(httpUrl, key, "live");
  const [live] = await take(iterator, 1);
  await iterator.return?.();
  await close();

  const missed = [await createItem(httpUrl, key, "missed 1"), await createItem(httpUrl, key, "missed 2")];
  [iterator, close] = open(live.cursor);
  const resumed = await take(iterator, 2);
  await iterator.return?.();
  await close();
  return { head, liveId, live, missed, resumed, costs };
}
