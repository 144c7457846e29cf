// The message of anything thrown, bounded: user code may throw a string, a huge message, or
// nothing useful, and a message is kept in records and sent between threads and peers.

/** Characters of an error message that cross a thread or a peer (user code controls them). */
export const ERROR_MESSAGE_CHARS_MAX = 4096;

/** A message cut to ERROR_MESSAGE_CHARS_MAX before it is kept or sent anywhere. */
export function boundedMessage(message: string): string {
  return message.length <= ERROR_MESSAGE_CHARS_MAX ? message : `${message.slice(0, ERROR_MESSAGE_CHARS_MAX)}…`;
}

/** The message of anything thrown (user code may throw a string, or nothing useful). */
export function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return boundedMessage(thrown.message || thrown.name);
  if (typeof thrown === "string") return boundedMessage(thrown);
  try {
    return boundedMessage(`a non-error value was thrown: ${String(thrown)}`);
  } catch {
    return "a non-error value was thrown";
  }
}
