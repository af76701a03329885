// The shell: who is signed in, the navigation, and which screen the URL names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { closeFeed, onSignedOut, request } from "./api";
import { LogoutDocument, MeDocument, type MeQuery } from "./gql/graphql";
import { href, useRoute } from "./route";
import { ApiKeys } from "./screens/ApiKeys";
import { Audit } from "./screens/Audit";
import { Catalog } from "./screens/Catalog";
import { InstanceLife } from "./screens/InstanceLife";
import { Machines } from "./screens/Machines";
import { SignIn } from "./screens/SignIn";
import { ToolSets } from "./screens/ToolSets";
import { ToolTable } from "./screens/ToolTable";
import { Users } from "./screens/Users";
import { Loading } from "./ui";
import "./style.css";

export type Me = MeQuery["me"];

const SECTIONS: [string, string, boolean][] = [
  ["machines", "Machines", false],
  ["catalog", "Catalog", false],
  ["sets", "Tool sets", false],
  ["keys", "API keys", false],
  ["users", "Users", true],
  ["audit", "Audit log", false],
];

function Screen(props: { route: string[]; me: Me }) {
  const [section, id] = props.route;
  switch (section) {
    case "machines":
      return id === undefined ? <Machines /> : <ToolTable machineId={id} />;
    case "catalog":
      return <Catalog />;
    case "sets":
      return <ToolSets selected={id ?? null} />;
    case "instances":
      return <InstanceLife id={id ?? ""} />;
    case "keys":
      return <ApiKeys />;
    case "users":
      return <Users me={props.me} />;
    case "audit":
      return <Audit />;
    default:
      return <Machines />;
  }
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const load = async (): Promise<void> => {
    const result = await request(MeDocument);
    setMe(result.data ? result.data.me : null);
  };
  useEffect(() => {
    void load();
    return onSignedOut(() => setMe(null));
  }, []);

  if (me === undefined) return <Loading />;
  if (me === null) {
    return (
      <SignIn
        firstRun={document.body.dataset.firstRun === "true"}
        onSignedIn={(user) => {
          closeFeed(); // the next feed handshake carries the new session cookie
          document.body.dataset.firstRun = "false";
          setMe(user);
        }}
      />
    );
  }
  const signOut = async (): Promise<void> => {
    await request(LogoutDocument);
    closeFeed();
    setMe(null);
  };
  const current = route[0] === "instances" ? "machines" : (route[0] ?? "machines");
  return (
    <div class="app">
      <header>
        <strong class="brand">smooth-gql tool room</strong>
        <nav aria-label="Screens">
          {SECTIONS.filter(([, , admin]) => !admin || me.isAdmin).map(([key, label]) => (
            <a key={key} href={href(key)} aria-current={current === key ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.email}
          {me.isAdmin && " (admin)"}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Screen key={route.join("/")} route={route} me={me} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
