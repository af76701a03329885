// Following the `changes` subscription. The feed replays the log after a cursor with no gap
// and no duplicate, so after a dropped connection the subscription is resumed from the last
// cursor it delivered (not from "now"): a change committed while the socket was down still
// arrives.
import { feed } from "./api";
import { ChangesDocument, type ChangesSubscription } from "./gql/graphql";

export type Change = ChangesSubscription["changes"];

export function followChanges(after: string | null, onChange: (change: Change) => void): () => void {
  let cursor = after;
  let stopped = false;
  let unsubscribe: () => void = () => undefined;

  const start = (): void => {
    if (stopped) return;
    unsubscribe = feed().subscribe<ChangesSubscription>(
      { query: ChangesDocument.toString(), variables: { after: cursor } },
      {
        next: (message) => {
          const change = message.data?.changes;
          if (!change) return;
          cursor = change.cursor;
          onChange(change);
        },
        error: () => setTimeout(start, 1000), // resumed from `cursor`: nothing is lost
        complete: () => setTimeout(start, 1000), // the server ended it (shutdown): follow again
      },
    );
  };
  start();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
