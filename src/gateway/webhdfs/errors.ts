// WebHDFS's errors: Hadoop's RemoteException JSON with the exception's short name, its Java
// class and a message, at the HTTP status Hadoop's own ExceptionHandler gives it. Clients
// branch on both: Python's fsspec reads the body of a 400, 401, 403, 404 or 500 and raises
// ValueError (IllegalArgumentException), PermissionError (AccessControlException,
// SecurityException) or FileNotFoundError (FileNotFoundException); the npm webhdfs client
// surfaces `exception` and `message`.
import { codeOf, OVERLOADED_RETRY_AFTER_SECONDS, type ErrorCode } from "../../protocol/errors.ts";

/** Hadoop's exceptions that WebHDFS answers with: the short name, its Java class, the HTTP status. */
export const HADOOP_EXCEPTIONS = {
  IllegalArgumentException: { javaClassName: "java.lang.IllegalArgumentException", status: 400 },
  UnsupportedOperationException: { javaClassName: "java.lang.UnsupportedOperationException", status: 400 },
  SecurityException: { javaClassName: "java.lang.SecurityException", status: 401 },
  AccessControlException: { javaClassName: "org.apache.hadoop.security.AccessControlException", status: 403 },
  InvalidToken: { javaClassName: "org.apache.hadoop.security.token.SecretManager$InvalidToken", status: 403 },
  FileNotFoundException: { javaClassName: "java.io.FileNotFoundException", status: 404 },
  FileAlreadyExistsException: { javaClassName: "org.apache.hadoop.fs.FileAlreadyExistsException", status: 403 },
  ParentNotDirectoryException: { javaClassName: "org.apache.hadoop.fs.ParentNotDirectoryException", status: 403 },
  PathIsNotEmptyDirectoryException: { javaClassName: "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException", status: 403 },
  AlreadyBeingCreatedException: { javaClassName: "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException", status: 403 },
  IOException: { javaClassName: "java.io.IOException", status: 403 },
  RetriableException: { javaClassName: "org.apache.hadoop.ipc.RetriableException", status: 503 },
  RuntimeException: { javaClassName: "java.lang.RuntimeException", status: 500 },
} as const;

export type HadoopException = keyof typeof HADOOP_EXCEPTIONS;

/** An answer refused in WebHDFS's terms; `status` defaults to Hadoop's for the exception. */
export class WebHdfsError extends Error {
  override name = "WebHdfsError";
  readonly status: number;
  constructor(
    readonly exception: HadoopException,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? HADOOP_EXCEPTIONS[exception].status;
  }

  static illegalArgument(message: string): WebHdfsError {
    return new WebHdfsError("IllegalArgumentException", message);
  }
}

/** The Hadoop exception each code of the wire's vocabulary is answered with. */
export function exceptionOfCode(code: ErrorCode): { exception: HadoopException; status?: number } {
  switch (code) {
    case "NOT_FOUND":
      return { exception: "FileNotFoundException" };
    case "NOT_A_FILE":
      return { exception: "FileNotFoundException" };
    case "ALREADY_EXISTS":
      return { exception: "FileAlreadyExistsException" };
    case "PERMISSION_DENIED":
      return { exception: "AccessControlException" };
    case "INVALID":
    case "INVALID_PATH":
    case "LIMIT":
    case "CHUNK_RANGE":
      return { exception: "IllegalArgumentException" };
    case "NOT_A_DIRECTORY":
      return { exception: "ParentNotDirectoryException" };
    case "NOT_EMPTY":
      return { exception: "PathIsNotEmptyDirectoryException" };
    case "LEASE_HELD":
      return { exception: "AlreadyBeingCreatedException" };
    case "OVERLOADED":
    case "NOT_LEADER":
    case "NO_LEADER":
    case "UNAVAILABLE":
    case "TIMEOUT":
    case "SHUTTING_DOWN":
      return { exception: "RetriableException" };
    case "NO_PEERS":
    case "MISSING":
    case "READ_FAILED":
    case "PIPELINE_FAILED":
      return { exception: "IOException", status: 503 };
    case "NOT_LEASE_HOLDER":
    case "FILE_CLOSED":
    case "CHUNK_UNCOMMITTED":
    case "VERSION_MISMATCH":
      return { exception: "IOException" };
    default:
      return { exception: "RuntimeException" };
  }
}

/** Any failure as a WebHdfsError: a WebHdfsError as it is, a wire error by its code, anything else as a RuntimeException. */
export function webHdfsErrorOf(err: unknown): WebHdfsError {
  if (err instanceof WebHdfsError) return err;
  const code = codeOf(err);
  const { exception, status } = exceptionOfCode(code);
  const message = err instanceof Error ? err.message : String(err);
  return new WebHdfsError(exception, message, status);
}

/** The RemoteException JSON answer of `err` (Hadoop's shape, with its status). */
export function remoteExceptionResponse(err: unknown): Response {
  const error = webHdfsErrorOf(err);
  const body = { RemoteException: { exception: error.exception, javaClassName: HADOOP_EXCEPTIONS[error.exception].javaClassName, message: error.message } };
  // A RetriableException says "ask again"; Retry-After says when (an overloaded peer's queue drains in well under it).
  const retry = error.exception === "RetriableException" ? { "retry-after": String(OVERLOADED_RETRY_AFTER_SECONDS) } : {};
  return new Response(JSON.stringify(body), { status: error.status, headers: { "content-type": "application/json", ...retry } });
}
