// The error of a file system operation that failed on the client's side, shared by the write
// and read paths (the masters' refusals are MetaRequestErrors).
import { WireError, type ErrorCode } from "../protocol/errors.ts";

export class FsError extends WireError {
  override name = "FsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
