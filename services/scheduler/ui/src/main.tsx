/**
 * The Trainyard dashboard: the tasks live, a page per task (its log followed live), the nodes.
 * It talks to the scheduler's own API (Connect over the HTTP/1.1 port it is served from).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorText, forgetToken, openSession, storedToken, type Session } from "./lib/session.js";
import { BASE, useRoute } from "./lib/router.js";
import { NodesPage } from "./pages/nodes.js";
import { TaskPage } from "./pages/task.js";
import { TasksPage } from "./pages/tasks.js";
import "./style.css";

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState("");
  const route = useRoute();
  const open = (token: string) =>
    openSession(token).then(
      (s) => {
        setError(s || !token ? "" : "that token was not accepted");
        setSession(s);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void open(storedToken()), []);

  if (session === undefined) return <main class="page">{error ? <p class="error">{error}</p> : <p class="muted">connecting…</p>}</main>;
  if (session === null) return <TokenForm error={error} onToken={open} />;
  return (
    <>
      <header class="bar">
        <a class="brand" href={BASE}>
          Trainyard
        </a>
        <nav>
          <a href={BASE} class={route.page === "tasks" || route.page === "task" ? "on" : ""}>
            Tasks
          </a>
          <a href={`${BASE}nodes`} class={route.page === "nodes" ? "on" : ""}>
            Nodes
          </a>
        </nav>
        <span class="who" data-testid="who">
          {session.who.name} · {session.who.role}
          {session.who.namespace !== "*" ? ` · ${session.who.namespace}` : ""}
          {session.who.authEnabled && (
            <button
              class="link"
              onClick={() => {
                forgetToken();
                setSession(null);
              }}
            >
              sign out
            </button>
          )}
        </span>
      </header>
      {route.page === "tasks" && <TasksPage session={session} />}
      {route.page === "task" && <TaskPage session={session} id={route.id} />}
      {route.page === "nodes" && <NodesPage session={session} />}
      {route.page === "missing" && (
        <main class="page">
          <p>
            No page at {route.path}. <a href={BASE}>Tasks</a>
          </p>
        </main>
      )}
    </>
  );
}

function TokenForm({ error, onToken }: { error: string; onToken: (t: string) => void }) {
  const [token, setToken] = useState("");
  return (
    <main class="page narrow">
      <h1>Trainyard</h1>
      <p>This scheduler checks tokens. Paste yours; it is kept only while this tab is open.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <input type="password" name="token" placeholder="token" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
      </form>
      {error && <p class="error">{error}</p>}
    </main>
  );
}

render(<App />, document.getElementById("app")!);
