// Messages between the peer's thread (server.ts) and the admin HTTP thread (http-worker.ts).
// The HTTP thread owns the socket so a peer busy moving data (its event loop can be taken for
// hundreds of milliseconds at a time by the write pipeline) still answers at once: it serves
// the UI's files itself, and for everything else it asks the peer's thread and, when that is
// slow, serves the last answer it got for the same URL.

/** peer → HTTP thread: listen here. */
export interface StartMessage {
  type: "start";
  hostname: string;
  port: number;
  /** Refuse requests whose Host is not a loopback name (DNS rebinding). */
  loopbackOnly: boolean;
  /** Where "proxy" routes (WebHDFS) go: a server of the peer's thread on loopback, and the key it wants (util/internal-proxy.ts). */
  proxy?: { url: string; key: string };
}

/** peer → HTTP thread: the answer to an AskMessage. */
export interface AnswerMessage {
  type: "answer";
  id: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** peer → HTTP thread: stop listening, then say "stopped". */
export interface StopMessage {
  type: "stop";
}

export type ToHttpThread = StartMessage | AnswerMessage | StopMessage;

/** HTTP thread → peer: listening on `port`, or could not. */
export interface ListeningMessage {
  type: "listening";
  port: number;
}

export interface FailedMessage {
  type: "failed";
  message: string;
}

/** HTTP thread → peer: answer GET `url` (path and query) of route `route`. */
export interface AskMessage {
  type: "ask";
  id: number;
  route: string;
  url: string;
}

/** HTTP thread → peer: one request was answered (for tessera_http_request_duration_seconds). */
export interface ObservedMessage {
  type: "observed";
  route: string;
  status: number;
  durationMs: number;
}

export interface StoppedMessage {
  type: "stopped";
}

export type FromHttpThread = ListeningMessage | FailedMessage | AskMessage | ObservedMessage | StoppedMessage;
