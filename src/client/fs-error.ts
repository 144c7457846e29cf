import { WireError, type ErrorCode } from "../protocol/errors.ts";

/** A file system operation that failed on the client's side (the masters' refusals are MetaRequestErrors). */
export class FsError extends WireError {
  override name = "FsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
