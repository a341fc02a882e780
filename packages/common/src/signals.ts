/**
 * Process signal handling for the services' main.ts: the first SIGTERM or SIGINT starts a
 * graceful shutdown; repeats of SIGTERM are ignored (orchestrators send SIGKILL later anyway);
 * a second SIGINT (Ctrl-C twice) exits at once with 130.
 */
export function onSignals(shutdown: (signal: string) => void): void {
  let started = false;
  const handle = (signal: NodeJS.Signals) => {
    if (!started) {
      started = true;
      shutdown(signal);
    } else if (signal === "SIGINT") {
      process.exit(130);
    }
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
