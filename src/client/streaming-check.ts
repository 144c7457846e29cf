// The submitter's check of a streaming command before any task runs: a mapper named `wrdcount`
// by mistake should fail at submit with one sentence, not four attempts later on every peer.
// Peers run the same machine image as the submitter, so a program missing here is missing there.
//
// The rule: only the command's first word is checked, and only when it is a plain word (letters,
// digits and `_ . / + -`, no quotes or expansions) that is not a shell reserved word or builtin
// and not a variable assignment (`LC_ALL=C sort`: the check skips assignments and checks `sort`).
// A word with a '/' must be an executable file (an absolute path: peers do not share the
// submitter's working folder); any other word must be an executable file in a folder of PATH.
// Anything else (`(cd x && y)`, `"$HOME/bin/m"`) is left to the shell on the workers.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

// POSIX reserved words and special builtins, and the regular builtins dash and bash share.
const SHELL_WORDS: ReadonlySet<string> = new Set(
  [
    "! { } case do done elif else esac fi for if in then until while",
    ": . break continue eval exec exit export readonly return set shift times trap unset",
    "alias bg cd command false fc fg getopts hash jobs kill local printf pwd read test true type ulimit umask unalias wait echo [",
  ]
    .join(" ")
    .split(" "),
);

const PLAIN_WORD = /^[A-Za-z0-9_./+-]+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The program the rule above checks in `command`, or undefined when it checks none. Pure: the
 * words are split at blanks, and the first word that ends at a shell operator counts as plain.
 */
export function programToCheck(command: string): string | undefined {
  let rest = command.trimStart();
  for (;;) {
    const match = /^[^\s|&;<>()]+/.exec(rest);
    if (!match) return undefined;
    const word = match[0];
    if (ASSIGNMENT.test(word)) {
      // `NAME=value cmd`: a plain value is skipped; a quoted one is left to the shell.
      if (!PLAIN_WORD.test(word.slice(word.indexOf("=") + 1))) return undefined;
      rest = rest.slice(word.length).trimStart();
      continue;
    }
    if (!PLAIN_WORD.test(word) || SHELL_WORDS.has(word)) return undefined;
    return word;
  }
}

/** Where `program` would be run from, or undefined when it is not an executable file there. */
export function resolveProgram(program: string, pathVariable: string): string | undefined {
  const candidates = program.includes("/") ? [program] : pathVariable.split(":").map((folder) => join(folder === "" ? "." : folder, program));
  return candidates.find((path) => isExecutableFile(path));
}

/**
 * Throws a one-sentence Error when the command's program (programToCheck) is not runnable here;
 * `role` names the command in it ("mapper").
 */
export function checkStreamingCommand(role: string, command: string, pathVariable = process.env.PATH ?? ""): void {
  const program = programToCheck(command);
  if (program === undefined) return;
  if (program.includes("/") && !isAbsolute(program)) {
    throw new Error(`the ${role}'s program ${program} is a relative path; give an absolute one, since the ${role} runs in another folder on each peer`);
  }
  if (resolveProgram(program, pathVariable) === undefined) {
    throw new Error(program.includes("/") ? `the ${role}'s program ${program} is not an executable file` : `the ${role}'s program ${program} is not on this machine's PATH`);
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
