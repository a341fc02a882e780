/**
 * Tasks: every task the caller sees, live (Watch, reconnecting by itself), newest first,
 * filtered by state, label and text, in a list that renders only what is in view. A submit form
 * for the simple case (callers who may submit).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { TaskState, type Task } from "@trainyard/client/web";
import { VirtualList } from "../components/virtual-list.js";
import { age, stateName, tsMs } from "../lib/format.js";
import { navigate, taskHref } from "../lib/router.js";
import { errorText, type Session } from "../lib/session.js";
import { filterTasks } from "../lib/tasks-model.js";
import { breather } from "../lib/yield.js";

const ROW = 30;
const STATES = [TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED];

export function TasksPage({ session }: { session: Session }) {
  const tasks = useRef(new Map<string, Task>());
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState("connecting…");
  const [states, setStates] = useState<Set<number>>(new Set());
  const [label, setLabel] = useState("");
  const [text, setText] = useState("");
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const stop = new AbortController();
    let dirty = false;
    const flush = setInterval(() => {
      if (dirty) (dirty = false), setVersion((v) => v + 1);
      setNow(Date.now());
    }, 250);
    // Watch says nothing until there is a task: a List tells an empty scheduler from one not reached.
    session.client.list({ pageSize: 1 }, { signal: stop.signal }).then(
      () => setStatus((s) => (s === "connecting…" ? "live" : s)),
      () => {},
    );
    void (async () => {
      try {
        const breathe = breather();
        for await (const t of session.client.watchTasks("", { signal: stop.signal, onRetry: (err) => setStatus(`reconnecting: ${errorText(err)}`) })) {
          tasks.current.set(t.id, t);
          dirty = true;
          setStatus("live");
          await breathe();
        }
      } catch (err) {
        if (!stop.signal.aborted) setStatus(errorText(err));
      }
    })();
    return () => {
      stop.abort();
      clearInterval(flush);
    };
  }, [session]);

  const shown = useMemo(() => filterTasks(tasks.current.values(), { states, label, text }), [version, states, label, text]);
  const counts = useMemo(() => {
    const c = new Map<number, number>();
    for (const t of tasks.current.values()) c.set(t.state, (c.get(t.state) ?? 0) + 1);
    return c;
  }, [version]);

  return (
    <main class="page wide">
      <div class="toolbar">
        <h1>Tasks</h1>
        <span class="muted" data-testid="tasks-status">
          {shown.length.toLocaleString("en-US")} of {tasks.current.size.toLocaleString("en-US")} · {status}
        </span>
      </div>
      <div class="filters">
        {STATES.map((s) => (
          <label class={`chip state-${stateName(s).toLowerCase()}`}>
            <input
              type="checkbox"
              checked={states.has(s)}
              onChange={(e) => {
                const next = new Set(states);
                if (e.currentTarget.checked) next.add(s);
                else next.delete(s);
                setStates(next);
              }}
            />
            {stateName(s)} {counts.get(s) ?? 0}
          </label>
        ))}
        <input class="grow" placeholder="label: key or key=value" value={label} onInput={(e) => setLabel(e.currentTarget.value)} data-testid="label-filter" />
        <input class="grow" placeholder="id, image or message" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      {session.canSubmit && <SubmitForm session={session} />}
      <div class="trow thead">
        <span>id</span>
        <span>state</span>
        <span>try</span>
        <span>node</span>
        <span>GPUs</span>
        <span>age</span>
        <span>image</span>
        <span>labels</span>
        <span>namespace</span>
      </div>
      <VirtualList
        count={shown.length}
        rowHeight={ROW}
        version={version}
        class="tasks"
        testId="tasks"
        row={(i) => {
          const t = shown[i]!;
          const a = t.attempts[t.attempts.length - 1];
          return (
            <div class="trow" key={t.id} data-task={t.id}>
              <a href={taskHref(t.id)} class="mono">
                {t.id}
              </a>
              <span class={`state state-${stateName(t.state).toLowerCase()}`} title={t.message}>
                {stateName(t.state)}
              </span>
              <span>{a?.number ?? ""}</span>
              <span class="mono">{a?.nodeId ?? ""}</span>
              <span>{a?.gpuIds.join(",") ?? ""}</span>
              <span title={new Date(tsMs(t.createTime)).toISOString()}>{age(tsMs(t.createTime), now)}</span>
              <span class="mono ellipsis" title={t.spec?.image}>
                {t.spec?.image}
              </span>
              <span class="ellipsis">
                {Object.entries(t.spec?.labels ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")}
              </span>
              <span>{t.namespace}</span>
            </div>
          );
        }}
      />
    </main>
  );
}

/** Submit, the simple case: an image, a shell command, env and labels, GPUs. */
function SubmitForm({ session }: { session: Session }) {
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ image: "", command: "", env: "", labels: "", gpus: "0", pool: "" });
  const [error, setError] = useState("");
  const [sending, setSending] = useState(false);
  const set = (k: keyof typeof f) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setF((p) => ({ ...p, [k]: value }));
  };
  if (!open)
    return (
      <button class="secondary" onClick={() => setOpen(true)} data-testid="open-submit">
        Submit a task…
      </button>
    );
  return (
    <form
      class="submit"
      onSubmit={async (e) => {
        e.preventDefault();
        if (sending) return;
        setError("");
        setSending(true);
        try {
          const { task } = await session.client.submit({
            spec: {
              image: f.image.trim(),
              command: f.command.trim() ? ["sh", "-c", f.command] : [],
              env: pairs(f.env),
              labels: pairs(f.labels),
              pool: f.pool.trim(),
              resources: { gpus: Number(f.gpus) || 0 },
            },
          });
          navigate(taskHref(task!.id));
        } catch (err) {
          setError(errorText(err));
        } finally {
          setSending(false);
        }
      }}
    >
      <input placeholder="image (required)" value={f.image} onInput={set("image")} name="image" />
      <input class="grow" placeholder="command, run with sh -c (empty: the image's)" value={f.command} onInput={set("command")} name="command" />
      <input placeholder="env: A=1, B=2" value={f.env} onInput={set("env")} name="env" />
      <input placeholder="labels: k=v, …" value={f.labels} onInput={set("labels")} name="labels" />
      <input class="small" type="number" min="0" placeholder="GPUs" value={f.gpus} onInput={set("gpus")} name="gpus" title="GPUs" />
      <input class="small" placeholder="pool" value={f.pool} onInput={set("pool")} name="pool" />
      <button type="submit" disabled={sending}>
        Submit
      </button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Close
      </button>
      {error && <p class="error full">{error}</p>}
    </form>
  );
}

function pairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf("=");
    if (eq < 0) out[p] = "";
    else out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}
