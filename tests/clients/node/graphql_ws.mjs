// The `changes` subscription with the stock graphql-ws client (graphql-transport-ws) under
// node, over `ws`, the key in connection_init as a browser front end sends it.
// Prints one JSON object: what came live and what came on resuming (see http.mjs).
import { createClient } from "graphql-ws";
import WebSocket from "ws";

import { args, CHANGES, finish, followThenResume } from "./http.mjs";

const { httpUrl, wsUrl, key } = args();

function open(after) {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    // Why a connection failed, for the test's failure message (on binary frames the client
    // reports "Message is missing the 'type' property").
    on: {
      closed: (event) => event.code !== 1000 && console.error(`WebSocket closed: ${event.code} ${event.reason}`),
      error: (error) => console.error(`graphql-ws error: ${error?.message ?? error}`),
    },
    onNonLazyError: (error) => {
      throw error;
    },
  });
  const iterator = client.iterate({ query: CHANGES, variables: { after } });
  return [iterator, () => client.dispose()];
}

finish(await followThenResume(httpUrl, key, open));
