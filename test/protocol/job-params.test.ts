// Job parameters (src/protocol/job-params.ts): `--param key=value` parsing and the bounds the
// client, the leader and the worker all apply (STYLE.md §5: each bound has a test that it holds).
import { describe, it, expect } from "vitest";
import { RequestError } from "../../src/protocol/errors.ts";
import {
  envNameOf,
  JOB_PARAM_KEY_BYTES_MAX,
  JOB_PARAM_VALUE_BYTES_MAX,
  JOB_PARAMS_BYTES_MAX,
  JOB_PARAMS_MAX,
  paramsEnv,
  parseParamArg,
  STREAMING_COMMAND_BYTES_MAX,
  TASK_TIMEOUT_MS_DEFAULT,
  taskTimeoutMs,
  validateParams,
  validateStreaming,
} from "../../src/protocol/job-params.ts";

function invalid(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).code).toBe("INVALID");
    return (err as Error).message;
  }
  throw new Error("expected a RequestError INVALID");
}

describe("parseParamArg", () => {
  it("splits at the first '='; the value may be empty or hold '='", () => {
    expect(parseParamArg("grep.pattern=a=b")).toEqual({ key: "grep.pattern", value: "a=b" });
    expect(parseParamArg("empty=")).toEqual({ key: "empty", value: "" });
  });

  it("refuses an argument without '=' in one sentence", () => {
    expect(invalid(() => parseParamArg("no-equals"))).toBe(`a --param is key=value, and "no-equals" has no '='`);
  });
});

describe("validateParams", () => {
  it("accepts Hadoop-style names and keeps the order", () => {
    const params = [{ key: "mapreduce.task.timeout", value: "5000" }, { key: "_x-y.z", value: "" }];
    expect(validateParams(params)).toEqual(params);
  });

  it("refuses bad names, duplicates and NUL characters", () => {
    expect(invalid(() => validateParams([{ key: "", value: "v" }]))).toMatch(/starts with a letter/);
    expect(invalid(() => validateParams([{ key: "1st", value: "v" }]))).toMatch(/starts with a letter/);
    expect(invalid(() => validateParams([{ key: "a b", value: "v" }]))).toMatch(/letters, digits/);
    expect(invalid(() => validateParams([{ key: "a", value: "1" }, { key: "a", value: "2" }]))).toBe("the parameter a is given twice");
    expect(invalid(() => validateParams([{ key: "a", value: "x\0y" }]))).toMatch(/NUL/);
  });

  it("bounds a value, a name, the count and the total", () => {
    expect(validateParams([{ key: "v", value: "x".repeat(JOB_PARAM_VALUE_BYTES_MAX) }])).toHaveLength(1);
    expect(invalid(() => validateParams([{ key: "v", value: "x".repeat(1024 * 1024) }]))).toBe(`the value of parameter v is 1048576 bytes, more than the limit of ${JOB_PARAM_VALUE_BYTES_MAX}`);
    // Bytes, not characters: 2 bytes each in UTF-8.
    expect(invalid(() => validateParams([{ key: "v", value: "é".repeat(JOB_PARAM_VALUE_BYTES_MAX / 2 + 1) }]))).toMatch(/more than the limit/);
    expect(invalid(() => validateParams([{ key: "k".repeat(JOB_PARAM_KEY_BYTES_MAX + 1), value: "" }]))).toMatch(/at most 256 bytes/);
    expect(invalid(() => validateParams(Array.from({ length: JOB_PARAMS_MAX + 1 }, (_, i) => ({ key: `p${i}`, value: "" }))))).toMatch(/at most 256 parameters/);
    const big = "x".repeat(JOB_PARAM_VALUE_BYTES_MAX - 10);
    const many = Array.from({ length: Math.ceil(JOB_PARAMS_BYTES_MAX / big.length) + 1 }, (_, i) => ({ key: `p${i}`, value: big }));
    expect(invalid(() => validateParams(many))).toBe(`the job's parameters are more than ${JOB_PARAMS_BYTES_MAX} bytes together`);
  });

  it("checks the task timeout parameter, whose default is Hadoop's", () => {
    expect(taskTimeoutMs([])).toBe(TASK_TIMEOUT_MS_DEFAULT);
    expect(taskTimeoutMs([{ key: "mapreduce.task.timeout", value: "1500" }])).toBe(1500);
    for (const value of ["0", "-1", "1.5", "soon", "", "99999999999"]) {
      expect(invalid(() => validateParams([{ key: "mapreduce.task.timeout", value }]))).toMatch(/mapreduce\.task\.timeout is a whole number of milliseconds/);
    }
  });
});

describe("the environment of a streaming process", () => {
  it("holds each parameter under its Hadoop name (non-alphanumerics as '_') and its own", () => {
    expect(envNameOf("mapreduce.task.timeout")).toBe("mapreduce_task_timeout");
    expect(envNameOf("grep-pattern.x")).toBe("grep_pattern_x");
    expect(paramsEnv([{ key: "grep.pattern", value: "a b" }, { key: "plain", value: "" }])).toEqual({ grep_pattern: "a b", "grep.pattern": "a b", plain: "" });
  });
});

describe("validateStreaming", () => {
  it("needs a mapper and bounds every command", () => {
    expect(validateStreaming({ mapper: "cat", reducer: "", combiner: "" })).toEqual({ mapper: "cat", reducer: "", combiner: "" });
    expect(invalid(() => validateStreaming({ mapper: "  ", reducer: "wc", combiner: "" }))).toMatch(/needs a mapper command/);
    expect(invalid(() => validateStreaming({ mapper: "cat", reducer: "x".repeat(STREAMING_COMMAND_BYTES_MAX + 1), combiner: "" }))).toMatch(/^the reducer command is \d+ bytes/);
    expect(invalid(() => validateStreaming({ mapper: "cat", reducer: "", combiner: "a\0b" }))).toMatch(/combiner command holds a NUL/);
  });
});
