// Accounts, for admins: create one, promote or demote, deactivate or reactivate. The
// server refuses what it must (e.g. demoting the last admin); the refusal shows on the row.
import { useEffect, useState } from "preact/hooks";
import { otherProblems, request, type Problem } from "../api";
import { CreateUserDocument, UpdateUserDocument, UsersDocument, type UsersQuery } from "../gql/graphql";
import type { Me } from "../main";
import { Field, Loading, Problems, when } from "../ui";

type User = UsersQuery["users"][number];

export function Users(props: { me: Me }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [rowProblems, setRowProblems] = useState<Map<string, Problem[]>>(new Map());

  const load = async (): Promise<void> => {
    const result = await request(UsersDocument);
    if (result.data) setUsers(result.data.users);
    else setProblems(result.problems);
  };
  useEffect(() => void load(), []);

  const update = async (user: User, change: { isAdmin?: boolean; isActive?: boolean }): Promise<void> => {
    const result = await request(UpdateUserDocument, { id: user.id, ...change });
    setRowProblems(new Map(rowProblems).set(user.id, result.problems));
    if (result.data) await load();
  };

  return (
    <section>
      <h1>Users</h1>
      <NewUser onCreated={() => void load()} />
      <Problems problems={problems} />
      {users === null ? (
        problems.length === 0 && <Loading />
      ) : (
        <table class="users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col"></th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                you={user.id === props.me.id}
                problems={rowProblems.get(user.id) ?? []}
                onUpdate={(change) => void update(user, change)}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewUser(props: { onCreated: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);

  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const result = await request(CreateUserDocument, { email, password, isAdmin });
    setProblems(result.problems);
    if (result.data === null) return;
    setEmail("");
    setPassword("");
    setIsAdmin(false);
    props.onCreated();
  };

  return (
    <form class="panel filters" onSubmit={(e) => void create(e)} aria-label="New user">
      <Problems problems={otherProblems(problems, ["email", "password"])} />
      <Field label="Email" name="email" problems={problems}>
        <input name="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field label="Password" name="password" problems={problems}>
        <input
          name="password"
          type="password"
          autocomplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      <label class="check">
        <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.currentTarget.checked)} /> admin
      </label>
      <button type="submit">Create user</button>
    </form>
  );
}

function UserRow(props: {
  user: User;
  you: boolean;
  problems: Problem[];
  onUpdate: (change: { isAdmin?: boolean; isActive?: boolean }) => void;
}) {
  const { user } = props;
  return (
    <tr data-email={user.email}>
      <td>
        {user.email}
        {props.you && " (you)"}
      </td>
      <td>{user.isAdmin ? "admin" : "user"}</td>
      <td>{user.isActive ? "active" : "deactivated"}</td>
      <td>{when(user.createdAt)}</td>
      <td>
        <button type="button" onClick={() => props.onUpdate({ isAdmin: !user.isAdmin })}>
          {user.isAdmin ? "Demote" : "Promote"}
        </button>{" "}
        <button type="button" onClick={() => props.onUpdate({ isActive: !user.isActive })}>
          {user.isActive ? "Deactivate" : "Reactivate"}
        </button>
        <Problems problems={props.problems} />
      </td>
    </tr>
  );
}
