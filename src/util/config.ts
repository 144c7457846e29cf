// Checks of settings a person gives (flags, options of the embedding API), shared by every
// room that takes one: a bad value is one sentence that names the flag and shows a good one.

/** A setting that cannot be used; its message is the one sentence the CLI prints. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** HOST:PORT (an IPv6 host in brackets); `flag` names the setting in the error. */
export function parseHostPort(text: string, flag = "--http"): { hostname: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${flag} "${text}" is not HOST:PORT (for example 127.0.0.1:9870, or 127.0.0.1:0 for any free port)`);
  }
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port };
}
