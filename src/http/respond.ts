// Responses of the admin HTTP server: JSON bodies, errors as `{ "error": "one sentence" }` with
// the status that says whose fault it is, and strict reading of query parameters.

/** A query parameter's value is at most this long (a path is at most 4 KiB, a bean query 1 KiB). */
export const QUERY_VALUE_CHARS_MAX = 8_192;

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" };

/** A request that cannot be answered, with its status (400 bad input, 404 nothing there, 503 no leader answer). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: message }), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** The status of an error met while answering: the master's codes map to 400/404/503, the rest is 500. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const code = (err as { code?: unknown } | undefined)?.code;
  switch (code) {
    case "NOT_FOUND":
      return 404;
    case "INVALID_PATH":
    case "INVALID":
    case "NOT_A_DIRECTORY":
    case "NOT_A_FILE":
    case "LIMIT":
      return 400;
    case "OVERLOADED":
    case "UNAVAILABLE":
    case "NO_LEADER":
    case "NOT_LEADER":
    case "TIMEOUT":
      return 503;
    default:
      return 500;
  }
}

/**
 * The one value of query parameter `name`: undefined when absent (or an HttpError 400 when it
 * is required), 400 when it is given twice, empty or too long.
 */
export function queryParam(url: URL, name: string, options: { required: true }): string;
export function queryParam(url: URL, name: string, options?: { required?: boolean }): string | undefined;
export function queryParam(url: URL, name: string, options: { required?: boolean } = {}): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) {
    if (options.required) throw new HttpError(400, `the query parameter "${name}" is missing`);
    return undefined;
  }
  if (values.length > 1) throw new HttpError(400, `the query parameter "${name}" is given ${values.length} times; give it once`);
  const value = values[0]!;
  if (value.length === 0) throw new HttpError(400, `the query parameter "${name}" is empty`);
  if (value.length > QUERY_VALUE_CHARS_MAX) throw new HttpError(400, `the query parameter "${name}" is longer than ${QUERY_VALUE_CHARS_MAX} characters`);
  return value;
}
