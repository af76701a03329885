// Your API keys: create one (scopes, optionally bound to a machine and tags) in a dialog
// that shows its secret once, with a copy button; revoke one. The secret lives only in
// the dialog's state: closing the dialog forgets it, as the server does.
import { useEffect, useRef, useState } from "preact/hooks";
import { otherProblems, request, type Problem } from "../api";
import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument, type ApiKeysQuery } from "../gql/graphql";
import { Field, FieldError, Loading, Problems, when } from "../ui";

const SCOPES = ["read", "write:*", "write:items", "write:presets", "write:usage", "write:sets", "delete:*", "admin:*"];
const FIELDS = ["name", "scopes", "machineId", "tags"];

type Key = ApiKeysQuery["apiKeys"][number];

export function ApiKeys() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);

  const load = async (): Promise<void> => {
    const result = await request(ApiKeysDocument);
    if (result.data) setKeys(result.data.apiKeys);
    else setProblems(result.problems);
  };
  useEffect(() => void load(), []);

  return (
    <section>
      <h1>API keys</h1>
      <p>
        <button type="button" ref={opener} onClick={() => dialog.current?.showModal()}>
          New API key
        </button>
      </p>
      <Problems problems={problems} />
      {keys === null ? problems.length === 0 && <Loading /> : <KeyTable keys={keys} onRevoked={() => void load()} />}
      <dialog ref={dialog} aria-labelledby="key-dialog-title" onClose={() => opener.current?.focus()}>
        <KeyDialog onDone={() => dialog.current?.close()} onCreated={() => void load()} />
      </dialog>
    </section>
  );
}

function KeyTable(props: { keys: Key[]; onRevoked: () => void }) {
  const [rowProblems, setRowProblems] = useState<Map<string, Problem[]>>(new Map());
  const revoke = async (key: Key): Promise<void> => {
    const result = await request(RevokeApiKeyDocument, { id: key.id });
    setRowProblems(new Map(rowProblems).set(key.id, result.problems));
    if (result.data) props.onRevoked();
  };
  const state = (key: Key): string =>
    key.isActive ? "active" : key.revokedAt ? `revoked ${when(key.revokedAt)}` : "expired";
  return (
    <table class="keys">
      <thead>
        <tr>
          {["Name", "Scopes", "Machine", "Tags", "State", ""].map((title) => (
            <th key={title} scope="col">
              {title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.keys.map((key) => (
          <tr key={key.id} data-id={key.id}>
            <td>{key.name}</td>
            <td>{key.scopes.join(", ")}</td>
            <td>{key.machineId ?? "any"}</td>
            <td>{key.tags.join(", ")}</td>
            <td>{state(key)}</td>
            <td>
              {key.isActive && (
                <button type="button" onClick={() => void revoke(key)} aria-label={`Revoke ${key.name}`}>
                  Revoke
                </button>
              )}
              <Problems problems={rowProblems.get(key.id) ?? []} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The form, then the secret; a fresh form (and no secret) each time the dialog opens. */
function KeyDialog(props: { onDone: () => void; onCreated: () => void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const done = (): void => {
    setSecret(null); // shown once: gone when the dialog closes
    setRound(round + 1);
    props.onDone();
  };
  const created = (made: string): void => {
    setSecret(made);
    props.onCreated();
  };
  return secret === null ? (
    <KeyForm key={round} onCreated={created} onCancel={done} />
  ) : (
    <SecretOnce secret={secret} onDone={done} />
  );
}

function SecretOnce(props: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copyButton = useRef<HTMLButtonElement>(null);
  useEffect(() => copyButton.current?.focus(), []); // autofocus acts only as a dialog opens
  const copy = async (): Promise<void> => {
    await navigator.clipboard.writeText(props.secret);
    setCopied(true);
  };
  return (
    <div>
      <h2 id="key-dialog-title">Key created</h2>
      <p>Copy the secret now: it is shown only this once.</p>
      <p class="secret" data-testid="secret">
        {props.secret}
      </p>
      <button type="button" ref={copyButton} onClick={() => void copy()}>
        {copied ? "Copied" : "Copy secret"}
      </button>{" "}
      <button type="button" onClick={props.onDone}>
        Done
      </button>
    </div>
  );
}

function KeyForm(props: { onCreated: (secret: string) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const [machineId, setMachineId] = useState("");
  const [tags, setTags] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    const result = await request(CreateApiKeyDocument, {
      name,
      scopes,
      machineId: machineId.trim() === "" ? null : machineId.trim(),
      tags: tagList.length > 0 ? tagList : null,
    });
    if (result.data === null) return setProblems(result.problems);
    props.onCreated(result.data.createApiKey.secret);
  };
  const toggle = (scope: string, on: boolean): void =>
    setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope));

  return (
    <form onSubmit={(e) => void create(e)}>
      <h2 id="key-dialog-title">New API key</h2>
      <Problems problems={otherProblems(problems, FIELDS)} />
      <Field label="Name" name="name" problems={problems}>
        <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} autofocus />
      </Field>
      <ScopeBoxes scopes={scopes} onToggle={toggle} problems={problems} />
      <Field label="Machine (optional: the key works for this machine only)" name="machineId" problems={problems}>
        <input name="machineId" value={machineId} onInput={(e) => setMachineId(e.currentTarget.value)} />
      </Field>
      <Field label="Tags (optional, comma-separated)" name="tags" problems={problems}>
        <input name="tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </Field>
      <button type="submit">Create key</button>{" "}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </form>
  );
}

function ScopeBoxes(props: { scopes: string[]; onToggle: (scope: string, on: boolean) => void; problems: Problem[] }) {
  return (
    <fieldset>
      <legend>Scopes</legend>
      {SCOPES.map((scope) => (
        <label key={scope} class="check">
          <input
            type="checkbox"
            name="scope"
            value={scope}
            checked={props.scopes.includes(scope)}
            onChange={(e) => props.onToggle(scope, e.currentTarget.checked)}
          />{" "}
          {scope}
        </label>
      ))}
      <FieldError name="scopes" problems={props.problems} />
    </fieldset>
  );
}
