// A small leveled logger writing one line per event to stderr, so stdout stays for the
// output a user or script asked for. TESSERA_LOG=debug|info|warn|error|silent picks the level.
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function levelFromEnv(): LogLevel {
  const value = (process.env.TESSERA_LOG ?? "info").toLowerCase();
  return value in LEVEL_RANK ? (value as LogLevel) : "info";
}

let threshold = LEVEL_RANK[levelFromEnv()];

export function setLogLevel(level: LogLevel): void {
  threshold = LEVEL_RANK[level];
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

function format(fields: Record<string, unknown> | undefined): string {
  if (!fields) return "";
  let text = "";
  for (const [key, value] of Object.entries(fields)) {
    const shown = value instanceof Error ? value.message : typeof value === "string" ? value : JSON.stringify(value);
    text += ` ${key}=${shown}`;
  }
  return text;
}

export function createLogger(component: string): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_RANK[level] < threshold) return;
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${component}: ${message}${format(fields)}\n`);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (name) => createLogger(`${component}/${name}`),
  };
}
