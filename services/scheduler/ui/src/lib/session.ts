/**
 * Who uses the dashboard: the token (kept in sessionStorage, so for as long as the tab is open,
 * never written elsewhere), the client that sends it, and the caller's role from WhoAmI, which
 * decides what is shown (a viewer sees no cancel button, only an admin sees drain).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createTrainyardClient, type TrainyardClient, type WhoAmIResponse } from "@trainyard/client/web";

const KEY = "trainyard.token";

export interface Session {
  client: TrainyardClient;
  who: WhoAmIResponse;
  canSubmit: boolean;
  isAdmin: boolean;
}

export function storedToken(): string {
  return sessionStorage.getItem(KEY) ?? "";
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The session for `token` ("" for none); null when the scheduler wants a token it did not get (or refused it). */
export async function openSession(token: string): Promise<Session | null> {
  const client = createTrainyardClient({ baseUrl: location.origin, binary: true, ...(token ? { token } : {}) });
  try {
    const who = await client.whoAmI({});
    if (token) sessionStorage.setItem(KEY, token);
    return { client, who, canSubmit: who.role !== "viewer", isAdmin: who.role === "admin" };
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
      forgetToken();
      return null;
    }
    throw err;
  }
}

/** A ConnectError's own words (its code's name when it has none). */
export function errorText(err: unknown): string {
  if (err instanceof ConnectError) return `${Code[err.code]}: ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}
