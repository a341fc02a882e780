// messageOf: the text of an error from a runtime, for logs and outcomes. The Engine API's own
// message (dockerode puts the response body in `json`) when there is one, else the error's.
// Pure; never throws. Text is for people: no code branches on it.

export function messageOf(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string } | null | undefined;
  return (e?.json?.message ?? e?.message ?? String(err)).trim();
}
