/** Which rows of a long list to render (fixed row height): the visible ones and `overscan` either side. Pure. */
export function visibleRange(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 20): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan)); // a list shorter than the scroll position (filtered) shows nothing
  const end = Math.min(count, first + Math.ceil(viewHeight / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
