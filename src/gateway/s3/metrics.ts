// The gateway's Prometheus figures, in a registry of its own (a peer serving S3 has one beside
// its admin HTTP's): requests by operation, errors by S3 code, bytes in and out, latency.
// Label values come from fixed sets (operations, the S3 codes this gateway answers with), so
// no client can grow the registry.
import { Counter, Histogram, Registry } from "prom-client";

/** Request latency buckets, seconds: a HEAD is ~1 ms, a small PUT a few Raft commits, a large object seconds to minutes. */
export const S3_LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Distinct error codes kept as labels; any further code counts as "other". */
const ERROR_CODE_LABELS_MAX = 64;

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"operation" | "status">;
  private readonly errors: Counter<"code">;
  private readonly bytesIn: Counter<"operation">;
  private readonly bytesOut: Counter<"operation">;
  private readonly latency: Histogram<"operation">;
  private readonly codes = new Set<string>();

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({ name: "tessera_s3_requests_total", help: "S3 requests answered, by operation and HTTP status.", labelNames: ["operation", "status"], registers });
    this.errors = new Counter({ name: "tessera_s3_errors_total", help: "S3 error responses, by S3 error code.", labelNames: ["code"], registers });
    this.bytesIn = new Counter({ name: "tessera_s3_received_bytes_total", help: "Object bytes received (request bodies after aws-chunked decoding), by operation.", labelNames: ["operation"], registers });
    this.bytesOut = new Counter({ name: "tessera_s3_sent_bytes_total", help: "Object bytes sent (GetObject bodies), by operation.", labelNames: ["operation"], registers });
    this.latency = new Histogram({ name: "tessera_s3_request_duration_seconds", help: "From a request's arrival to its response's headers (a GET's body streams after).", labelNames: ["operation"], buckets: S3_LATENCY_BUCKETS_S, registers });
  }

  observeRequest(operation: string, status: number, durationMs: number): void {
    this.requests.inc({ operation, status: String(status) });
    this.latency.observe({ operation }, durationMs / 1000);
  }

  observeError(code: string): void {
    if (!this.codes.has(code) && this.codes.size >= ERROR_CODE_LABELS_MAX) code = "other";
    this.codes.add(code);
    this.errors.inc({ code });
  }

  addBytesIn(operation: string, bytes: number): void {
    if (bytes > 0) this.bytesIn.inc({ operation }, bytes);
  }

  addBytesOut(operation: string, bytes: number): void {
    if (bytes > 0) this.bytesOut.inc({ operation }, bytes);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
