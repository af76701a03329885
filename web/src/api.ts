// The one door to the server: GraphQL over HTTP (the session cookie rides along) and the
// change feed over graphql-ws on the same URL. Errors come back as data, never thrown, so
// every screen can put each one next to the field or row it names.
import { createClient, type Client } from "graphql-ws";
import type { TypedDocumentString } from "./gql/graphql";

export const GRAPHQL_PATH: string = document.body.dataset.graphql ?? "/graphql";

/** One problem the API reported: its words, its code, and the input field it names (if any). */
export interface Problem {
  message: string;
  code: string;
  field: string | null;
}

export type Result<T> = { data: T; problems: [] } | { data: null; problems: Problem[] };

interface Wire<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

export function problemsOf(errors: Wire<unknown>["errors"]): Problem[] {
  return (errors ?? []).map((e) => ({
    message: e.message,
    code: e.extensions?.code ?? "ERROR",
    field: e.extensions?.field ?? null,
  }));
}

/** Listeners told when a request finds the session gone, so the shell can ask to sign in again. */
const signedOut = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}

export async function request<T, V>(document: TypedDocumentString<T, V>, variables?: V): Promise<Result<T>> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    return { data: null, problems: [{ message: "The server cannot be reached.", code: "NETWORK", field: null }] };
  }
  const body = (await response.json().catch(() => ({}))) as Wire<T>;
  const problems = problemsOf(body.errors);
  if (!response.ok && problems.length === 0) {
    problems.push({ message: `The server answered ${response.status}.`, code: "HTTP", field: null });
  }
  if (problems.some((p) => p.code === "UNAUTHENTICATED")) signedOut.forEach((listener) => listener());
  if (problems.length > 0 || body.data == null) return { data: null, problems };
  return { data: body.data, problems: [] };
}

/** The first problem naming `field`, for the message shown next to that input. */
export function problemFor(problems: Problem[], field: string): Problem | undefined {
  return problems.find((p) => p.field === field);
}

/** Problems that name no field the form shows: these go at the top of the form. */
export function otherProblems(problems: Problem[], fields: string[]): Problem[] {
  return problems.filter((p) => p.field === null || !fields.includes(p.field));
}

let feedClient: Client | null = null;

/** The shared graphql-ws client; a new one after sign-in, so the handshake carries the cookie. */
export function feed(): Client {
  if (feedClient === null) {
    const url = new URL(GRAPHQL_PATH, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    feedClient = createClient({
      url: url.toString(),
      lazy: true,
      // The page says whether the feed is up (`<body data-feed>`): for the eye, and for tests
      // that must not write before the table is listening.
      on: {
        connected: () => (document.body.dataset.feed = "connected"),
        closed: () => (document.body.dataset.feed = "closed"),
      },
      // No silent retry: graphql-ws would subscribe again with the first variables (the
      // cursor the subscription started from, or none), and changes committed while the
      // socket was down would be lost or repeated. A dropped subscription errors instead,
      // and live.ts subscribes again after the last cursor it delivered.
      retryAttempts: 0,
    });
  }
  return feedClient;
}

export function closeFeed(): void {
  feedClient?.dispose();
  feedClient = null;
}
