// Sign in with the session cookie; on a server with no account yet, register the first
// one instead (it becomes the admin).
import { useState } from "preact/hooks";
import { otherProblems, request, type Problem } from "../api";
import { LoginDocument, RegisterDocument, type MeQuery } from "../gql/graphql";
import { Field, Problems } from "../ui";

export function SignIn(props: { firstRun: boolean; onSignedIn: (user: MeQuery["me"]) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const variables = { email, password };
    if (props.firstRun) {
      const registered = await request(RegisterDocument, variables);
      if (registered.data === null) {
        setProblems(registered.problems);
        setBusy(false);
        return;
      }
    }
    const result = await request(LoginDocument, variables);
    setBusy(false);
    setPassword("");
    if (result.data) props.onSignedIn(result.data.login);
    else setProblems(result.problems);
  };

  return (
    <main class="sign-in">
      <h1>{props.firstRun ? "Create the first account" : "Sign in"}</h1>
      {props.firstRun && <p>This server has no account yet. The first one becomes its admin.</p>}
      <form onSubmit={(e) => void submit(e)}>
        <Problems problems={otherProblems(problems, ["email", "password"])} />
        <Field label="Email" name="email" problems={problems}>
          <input
            name="email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field label="Password" name="password" problems={problems}>
          <input
            name="password"
            type="password"
            autocomplete={props.firstRun ? "new-password" : "current-password"}
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" disabled={busy}>
          {props.firstRun ? "Create admin account" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
