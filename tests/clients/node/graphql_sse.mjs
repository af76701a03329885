// The `changes` subscription with the stock graphql-sse client (distinct connections mode)
// under node: Server-Sent Events over node's fetch, the key as a bearer header.
// Prints one JSON object: what came live and what came on resuming (see http.mjs).
import { createClient } from "graphql-sse";

import { args, CHANGES, finish, followThenResume } from "./http.mjs";

const { httpUrl, key } = args();

function open(after) {
  const client = createClient({
    url: httpUrl,
    headers: { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const iterator = client.iterate({ query: CHANGES, variables: { after } });
  return [iterator, () => client.dispose()];
}

finish(await followThenResume(httpUrl, key, open));
