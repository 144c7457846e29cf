// Assertions stay on in production (STYLE.md §6): a broken invariant stops the operation
// loudly instead of letting a wrong answer reach the disk or the wire.
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
