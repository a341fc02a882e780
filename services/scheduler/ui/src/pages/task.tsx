/**
 * A task's page (/ui/tasks/<id>): its state and message, cancel, the spec, the attempts with
 * their reasons and exit codes, the event timeline, the last checkpoint (downloadable), and its
 * log: the last lines, then followed live; a dropped connection or a scheduler restart resumes
 * after the last frame shown (after_seq), so nothing is missed or shown twice. The whole log
 * downloads as text.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { LogStream, TaskState, type Task, type TaskEvent } from "@trainyard/client/web";
import { LogView } from "../components/log-view.js";
import { saveAs } from "../lib/download.js";
import { bytes, clock, reasonName, stateName, tsMs } from "../lib/format.js";
import { LogBuffer } from "../lib/log-buffer.js";
import { errorText, type Session } from "../lib/session.js";
import { breather } from "../lib/yield.js";

const FINAL = new Set([TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED]);
/** Lines shown at first; "whole log" reads from the start. */
const TAIL = 5_000;

export function TaskPage({ session, id }: { session: Session; id: string }) {
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState("");
  const [events, setEvents] = useState<TaskEvent[]>([]);

  useEffect(() => {
    const stop = new AbortController();
    setTask(null);
    setEvents([]);
    setError("");
    void (async () => {
      try {
        for await (const t of session.client.watchTasks(id, { signal: stop.signal })) setTask(t);
      } catch (err) {
        if (!stop.signal.aborted) setError(errorText(err));
      }
    })();
    return () => stop.abort();
  }, [session, id]);

  // The timeline, read again whenever the task changes (at most twice a second).
  const changed = task ? `${task.state}/${task.attempts.length}/${task.message}` : "";
  useEffect(() => {
    if (!task) return;
    const stop = new AbortController();
    const t = setTimeout(() => void session.client.getEvents({ taskId: id }, { signal: stop.signal }).then((r) => setEvents(r.events), () => {}), 500);
    return () => {
      clearTimeout(t);
      stop.abort(); // a late answer for another task never lands here
    };
  }, [session, id, changed]);

  if (error && !task) return <main class="page"><p class="error">{error}</p></main>;
  if (!task) return <main class="page"><p class="muted">loading {id}…</p></main>;
  const final = FINAL.has(task.state);
  const s = task.spec!;
  return (
    <main class="page wide">
      <div class="toolbar">
        <h1 class="mono">{task.id}</h1>
        <span class={`state big state-${stateName(task.state).toLowerCase()}`} data-testid="task-state">
          {stateName(task.state)}
        </span>
        {reasonName(task.failureReason) && <span class="muted">{reasonName(task.failureReason)}</span>}
        {session.canSubmit && !final && (
          <button
            class="danger"
            data-testid="cancel"
            onClick={() => void session.client.cancel({ taskId: id, reason: `from the dashboard by ${session.who.name}` }).catch((err) => setError(errorText(err)))}
          >
            Cancel
          </button>
        )}
      </div>
      <p class="message" data-testid="task-message">{task.message}</p>
      {error && <p class="error">{error}</p>}
      <section class="grid2">
        <div>
          <h2>Spec</h2>
          <dl class="kv">
            <dt>image</dt>
            <dd class="mono">{s.image}</dd>
            <dt>command</dt>
            <dd class="mono">{s.command.length ? JSON.stringify(s.command) : "(the image's)"}</dd>
            <dt>resources</dt>
            <dd>
              {s.resources?.cpus || "–"} CPUs, {s.resources?.memoryBytes ? bytes(s.resources.memoryBytes) : "–"} memory, {s.resources?.gpus ?? 0} GPUs
            </dd>
            <dt>retries</dt>
            <dd>
              {s.retry?.maxRetries ?? 0} (infrastructure {s.retry?.maxInfrastructureRetries ?? 0})
            </dd>
            <dt>pool · priority</dt>
            <dd>
              {s.pool} · {s.priority}
              {s.preemptible ? " · preemptible" : ""}
            </dd>
            {Object.keys(s.env).length > 0 && <dt>env</dt>}
            {Object.keys(s.env).length > 0 && <dd class="mono">{Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join(" ")}</dd>}
            {Object.keys(s.labels).length > 0 && <dt>labels</dt>}
            {Object.keys(s.labels).length > 0 && <dd>{Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(" ")}</dd>}
            {s.dependsOn.length > 0 && <dt>after</dt>}
            {s.dependsOn.length > 0 && <dd class="mono">{s.dependsOn.map((d) => d.taskId).join(" ")}</dd>}
            {task.arrayId && <dt>array</dt>}
            {task.arrayId && <dd class="mono">{task.arrayId} #{task.arrayIndex}</dd>}
            <dt>namespace · by</dt>
            <dd>
              {task.namespace} · {task.createdBy}
            </dd>
            <dt>checkpoint</dt>
            <dd data-testid="checkpoint">
              {!s.checkpoint
                ? "none"
                : task.lastCheckpoint
                  ? `${s.checkpoint.path}: saved ${clock(tsMs(task.lastCheckpoint.time))} by attempt ${task.lastCheckpoint.attempt}, ${bytes(task.lastCheckpoint.sizeBytes)} `
                  : `${s.checkpoint.path}: not saved yet`}
              {task.lastCheckpoint && (
                <button class="link" onClick={() => void downloadCheckpoint(session, id).catch((err) => setError(errorText(err)))}>
                  download
                </button>
              )}
            </dd>
          </dl>
        </div>
        <div>
          <h2>Attempts</h2>
          <table class="attempts" data-testid="attempts">
            <thead>
              <tr>
                <th>#</th>
                <th>node</th>
                <th>state</th>
                <th>exit</th>
                <th>reason</th>
                <th>GPUs</th>
                <th>started</th>
                <th>message</th>
              </tr>
            </thead>
            <tbody>
              {task.attempts.map((a) => (
                <tr>
                  <td>{a.number}</td>
                  <td class="mono">{a.nodeId}</td>
                  <td class={`state-${stateName(a.state).toLowerCase()}`}>{stateName(a.state)}</td>
                  <td>{FINAL.has(a.state) ? a.exitCode : ""}</td>
                  <td>{reasonName(a.failureReason)}</td>
                  <td>{a.gpuIds.join(",")}</td>
                  <td>{clock(tsMs(a.startTime))}</td>
                  <td>{a.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Events</h2>
          <ol class="events" data-testid="events">
            {events.map((e) => (
              <li>
                <span class="muted">{clock(tsMs(e.time))}</span> <b>{e.type}</b> {e.attempt ? `#${e.attempt}` : ""} {e.message}
                {e.principal ? ` (${e.principal})` : ""}
              </li>
            ))}
          </ol>
        </div>
      </section>
      <TaskLog session={session} id={id} />
    </main>
  );
}

function TaskLog({ session, id }: { session: Session; id: string }) {
  const buffer = useRef(new LogBuffer());
  const [version, setVersion] = useState(0);
  const [whole, setWhole] = useState(false);
  const [status, setStatus] = useState("");
  useEffect(() => {
    const stop = new AbortController();
    const buf = (buffer.current = new LogBuffer());
    setVersion((v) => v + 1);
    let dirty = false;
    const flush = setInterval(() => {
      if (dirty) (dirty = false), setVersion((v) => v + 1);
    }, 100);
    setStatus("following");
    void (async () => {
      try {
        const frames = session.client.followLogs(id, {
          signal: stop.signal,
          ...(whole ? {} : { tailLines: TAIL }),
          onRetry: (err) => setStatus(`reconnecting (${errorText(err)})`),
        });
        const breathe = breather();
        for await (const f of frames) {
          dirty = buf.push([{ seq: f.seq, attempt: f.attempt, stream: f.stream, timeMs: tsMs(f.time), data: f.data }]) || dirty;
          setStatus("following");
          await breathe();
        }
        setStatus("ended");
      } catch (err) {
        if (!stop.signal.aborted) setStatus(errorText(err));
      } finally {
        dirty = true;
      }
    })();
    return () => {
      stop.abort();
      clearInterval(flush);
    };
  }, [session, id, whole]);
  const b = buffer.current;
  return (
    <section>
      <div class="toolbar">
        <h2>Log</h2>
        <span class="muted" data-testid="log-status" data-lines={b.lines.length} data-last-seq={String(b.lastSeq)}>
          {b.lines.length.toLocaleString("en-US")} lines{whole || b.dropped ? "" : ` (the last ${TAIL.toLocaleString("en-US")} at first)`}
          {b.dropped ? `, the first ${b.dropped.toLocaleString("en-US")} dropped here` : ""} · {status}
        </span>
        {!whole && (
          <button class="secondary" onClick={() => setWhole(true)}>
            Whole log
          </button>
        )}
        <button class="secondary" onClick={() => void downloadLog(session, id).catch((err) => setStatus(errorText(err)))} data-testid="download-log">
          Download
        </button>
        <span class="legend">
          <span class="stdout">stdout</span> <span class="stderr">stderr</span> <span class="system">▸ Trainyard</span>
        </span>
      </div>
      <LogView buffer={b} version={version} />
    </section>
  );
}

/** The whole log as text (SYSTEM lines marked), saved as <id>.log. */
async function downloadLog(session: Session, id: string): Promise<void> {
  const parts: BlobPart[] = [];
  const mark = new TextEncoder().encode("[trainyard] ");
  for await (const f of session.client.followLogs(id, { follow: false })) {
    if (f.stream === LogStream.SYSTEM) parts.push(mark);
    parts.push(f.data as Uint8Array<ArrayBuffer>);
  }
  saveAs(parts, `${id}.log`, "text/plain");
}

async function downloadCheckpoint(session: Session, id: string): Promise<void> {
  const parts: BlobPart[] = [];
  for await (const piece of session.client.checkpointArchive(id)) parts.push(piece as Uint8Array<ArrayBuffer>);
  saveAs(parts, `${id}-checkpoint.tar`, "application/x-tar");
}
