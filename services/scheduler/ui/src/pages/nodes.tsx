/**
 * Nodes: every agent's capacity and free slots, its GPU devices and the task holding each,
 * labels, state and when it was last seen (read every 2 s). Admins drain a node and undo it.
 */
import { useEffect, useState } from "preact/hooks";
import { NodeState, type Node } from "@trainyard/client/web";
import { age, bytes, nodeStateName, tsMs } from "../lib/format.js";
import { taskHref } from "../lib/router.js";
import { errorText, type Session } from "../lib/session.js";

export function NodesPage({ session }: { session: Session }) {
  const [nodes, setNodes] = useState<Node[] | null>(null);
  const [error, setError] = useState("");
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    session.client.listNodes({}).then(
      (r) => live && (setNodes(r.nodes), setError("")),
      (err) => live && setError(errorText(err)),
    );
    const t = setTimeout(() => setTick(tick + 1), 2_000);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [session, tick]);
  const drain = (id: string, undo: boolean) =>
    void session.client.drainNode({ nodeId: id, undo }).then(
      () => setTick(tick + 1),
      (err) => setError(errorText(err)),
    );
  const now = Date.now();
  return (
    <main class="page wide">
      <div class="toolbar">
        <h1>Nodes</h1>
        <span class="muted">{nodes ? `${nodes.length} nodes` : "loading…"}</span>
      </div>
      {error && <p class="error">{error}</p>}
      <table class="nodes" data-testid="nodes">
        <thead>
          <tr>
            <th>node</th>
            <th>state</th>
            <th>pools</th>
            <th>slots free</th>
            <th>CPUs · memory</th>
            <th>GPUs</th>
            <th>labels</th>
            <th>last seen</th>
            {session.isAdmin && <th />}
          </tr>
        </thead>
        <tbody>
          {(nodes ?? []).map((n) => (
            <tr data-node={n.id}>
              <td class="mono">{n.id}</td>
              <td class={`node-${nodeStateName(n.state).toLowerCase()}`}>{nodeStateName(n.state)}</td>
              <td>{n.pools.join(", ")}</td>
              <td>
                {n.freeSlots} / {n.slots}
              </td>
              <td>
                {n.cpus || "–"} · {n.memoryBytes ? bytes(n.memoryBytes) : "–"}
              </td>
              <td>
                <ul class="gpus">
                  {n.gpuDevices.map((g) => (
                    <li data-gpu={g.id}>
                      <span class="mono">{g.id}</span>
                      {g.name ? ` ${g.name}` : ""}:{" "}
                      {g.taskId ? (
                        <a class="mono" href={taskHref(g.taskId)}>
                          {g.taskId}
                        </a>
                      ) : (
                        <span class="muted">free</span>
                      )}
                    </li>
                  ))}
                </ul>
              </td>
              <td>{Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(" ")}</td>
              <td>{age(tsMs(n.lastSeen), now)} ago</td>
              {session.isAdmin && (
                <td>
                  {n.state === NodeState.LOST ? null : n.draining ? (
                    <button class="secondary" onClick={() => drain(n.id, true)} data-testid={`undrain-${n.id}`}>
                      Undo drain
                    </button>
                  ) : (
                    <button class="secondary" onClick={() => drain(n.id, false)} data-testid={`drain-${n.id}`}>
                      Drain
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
