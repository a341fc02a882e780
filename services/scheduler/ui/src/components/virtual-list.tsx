/**
 * A long list that renders only the rows in view (fixed row height, set in CSS and passed here):
 * 10,000 tasks or a million log lines cost the DOM a few dozen rows. `stick`: keep the view at
 * the bottom while it is there (a followed log); scrolling up lets go, scrolling back down takes it again.
 */
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { visibleRange } from "../lib/window.js";

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  row: (i: number) => ComponentChildren;
  class?: string;
  stick?: boolean;
  /** Changes whenever the rows' content does (re-render and, when stuck, scroll). */
  version?: number;
  testId?: string;
}

export function VirtualList(p: VirtualListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const stuck = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (p.stick && stuck.current) el.scrollTop = el.scrollHeight;
    if (view.height !== el.clientHeight || view.top !== el.scrollTop) setView({ top: el.scrollTop, height: el.clientHeight });
  }, [p.count, p.version]);
  // A window made taller shows more rows at once.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const { start, end } = visibleRange(view.top, view.height, p.rowHeight, p.count);
  const rows = [];
  for (let i = start; i < end; i++) rows.push(p.row(i));
  return (
    <div
      ref={box}
      class={`vlist ${p.class ?? ""}`}
      data-testid={p.testId}
      data-count={p.count}
      onScroll={(e) => {
        const el = e.currentTarget;
        stuck.current = el.scrollTop + el.clientHeight >= el.scrollHeight - p.rowHeight * 2;
        setView({ top: el.scrollTop, height: el.clientHeight });
      }}
    >
      <div style={{ height: `${start * p.rowHeight}px` }} />
      {rows}
      <div style={{ height: `${(p.count - end) * p.rowHeight}px` }} />
    </div>
  );
}
