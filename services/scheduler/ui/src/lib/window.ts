/** Which rows of a long list to render (fixed row height): the visible ones and `overscan` either side. Pure. */
export function visibleRange(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 20): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewHeight / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
