/** Routes under /ui/: the tasks table, a task's page (/ui/tasks/<id>), the nodes. History API, no hash. */
import { useEffect, useState } from "preact/hooks";

export type Route = { page: "tasks" } | { page: "task"; id: string } | { page: "nodes" } | { page: "missing"; path: string };

export const BASE = "/ui/";

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname.replace(/^\/ui\/?/, "");
  if (rest === "" || rest === "tasks" || rest === "tasks/") return { page: "tasks" };
  if (rest === "nodes" || rest === "nodes/") return { page: "nodes" };
  const m = /^tasks\/([^/]+)\/?$/.exec(rest);
  if (m) {
    try {
      return { page: "task", id: decodeURIComponent(m[1]!) };
    } catch {
      return { page: "missing", path: pathname }; // a malformed % escape
    }
  }
  return { page: "missing", path: pathname };
}

export const taskHref = (id: string) => `${BASE}tasks/${encodeURIComponent(id)}`;

export function navigate(href: string): void {
  history.pushState(null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** The current route; follows the back button and in-app links (clicks on <a href="/ui/…">). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.("a");
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute("download")) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
      e.preventDefault();
      navigate(url.pathname + url.search);
    };
    addEventListener("popstate", onPop);
    document.addEventListener("click", onClick);
    return () => {
      removeEventListener("popstate", onPop);
      document.removeEventListener("click", onClick);
    };
  }, []);
  return route;
}
