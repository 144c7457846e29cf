// A small data-driven scenario runner in the manner of etcd's raft/testdata (cockroachdb
// datadriven): a file opens with prose, then holds commands each followed by `----` and the
// output they must produce. REWRITE=1 regenerates the expected output (review the diff!).
//
// Commands: cluster <ids…> [prevote] [checkquorum] · campaign <id> · propose <id> <text> ·
// tick <id> <n> · tick-all <n> · isolate <id> · recover · status
import { readFileSync, writeFileSync } from "node:fs";
import { Network } from "./network.ts";

export function runScript(path: string): { ok: boolean; diff: string } {
  const text = readFileSync(path, "utf8");
  let net: Network | undefined;
  let out: string;
  let diff = "";
  const lines = text.split("\n");
  const result: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (lines[i + 1] !== "----" || line.startsWith("#") || line.trim() === "") {
      result.push(line);
      continue;
    }
    const [cmd, ...args] = line.trim().split(/\s+/);
    out = "";
    switch (cmd) {
      case "cluster": {
        const ids = args.filter((a) => a !== "prevote" && a !== "checkquorum");
        net = new Network(ids, { preVote: args.includes("prevote"), checkQuorum: args.includes("checkquorum") });
        out = "ok";
        break;
      }
      case "campaign":
        net!.campaign(args[0]);
        out = "ok";
        break;
      case "propose":
        net!.propose(args[0], args[1]);
        out = "ok";
        break;
      case "tick":
        for (let k = 0; k < Number(args[1]); k++) net!.tick(args[0]);
        out = "ok";
        break;
      case "tick-all":
        net!.tickAll(Number(args[0]));
        out = "ok";
        break;
      case "isolate":
        net!.isolate(args[0]);
        out = "ok";
        break;
      case "recover":
        net!.recover();
        out = "ok";
        break;
      case "status":
        out = [...net!.nodes.values()]
          .map((n) => `${n.id}: ${n.core.role} term=${n.core.term} lead=${n.core.lead || "-"} commit=${n.core.log.committed} last=${n.core.log.lastIndex()}`)
          .join("\n");
        break;
      default:
        throw new Error(`${path}:${i + 1}: unknown command ${cmd}`);
    }
    // Skip the old expected block (up to the next blank line or EOF).
    let j = i + 2;
    const expected: string[] = [];
    while (j < lines.length && lines[j] !== "") expected.push(lines[j++]);
    if (expected.join("\n") !== out) diff += `${path}:${i + 1}: ${line}\n--- expected\n${expected.join("\n")}\n--- got\n${out}\n`;
    result.push(line, "----", ...out.split("\n"));
    i = j - 1;
  }
  if (process.env.REWRITE === "1") writeFileSync(path, result.join("\n").replace(/\n*$/, "\n"));
  return { ok: diff === "", diff };
}
