// WebHDFS's delegation-token ops, as Hadoop's NameNode answers them: GETDELEGATIONTOKEN,
// RENEWDELEGATIONTOKEN and CANCELDELEGATIONTOKEN. Each runs with the file-system client of the
// authenticated caller (fs.withUser(caller)); the masters decide (master/rpc/token-service.ts).
import type { FileSystemClient } from "../../client/fs.ts";
import { TOKEN_CHARS_MAX, userNameProblem } from "../../protocol/delegation-token.ts";
import { remoteExceptionResponse, WebHdfsError } from "./errors.ts";

export interface TokenOp {
  method: "GET" | "PUT";
  /** `fs` acts for the authenticated caller; a refusal is answered as Hadoop's RemoteException. */
  run(fs: FileSystemClient, params: URLSearchParams): Promise<Response>;
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

/** The `token` parameter, bounded before anything reads it. */
function tokenParam(params: URLSearchParams): string {
  const token = params.get("token");
  if (token === null || token === "") throw WebHdfsError.illegalArgument('Required param "token" for op is null or empty');
  if (token.length > TOKEN_CHARS_MAX) throw WebHdfsError.illegalArgument(`a delegation token is at most ${TOKEN_CHARS_MAX} characters`);
  return token;
}

async function answered(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    return remoteExceptionResponse(err);
  }
}

export const TOKEN_OPS: Record<"GETDELEGATIONTOKEN" | "RENEWDELEGATIONTOKEN" | "CANCELDELEGATIONTOKEN", TokenOp> = {
  GETDELEGATIONTOKEN: {
    method: "GET",
    run: (fs, params) =>
      answered(async () => {
        // As Hadoop: a token is not got with a token, or a holder could outlive the max lifetime by chaining them.
        if (params.get("delegation")) throw new WebHdfsError("AccessControlException", "a delegation token cannot be used to get another: authenticate as the user (user.name= where simple authentication is allowed, or `tessera auth token`)");
        const renewer = params.get("renewer") ?? "";
        const problem = renewer === "" ? undefined : userNameProblem(renewer);
        if (problem) throw WebHdfsError.illegalArgument(`Invalid value for webhdfs parameter "renewer": ${problem}`);
        const issued = await fs.issueDelegationToken({ renewer });
        return json({ Token: { urlString: issued.token } });
      }),
  },
  RENEWDELEGATIONTOKEN: {
    method: "PUT",
    run: (fs, params) => answered(async () => json({ long: await fs.renewDelegationToken(tokenParam(params)) })),
  },
  CANCELDELEGATIONTOKEN: {
    method: "PUT",
    run: (fs, params) =>
      answered(async () => {
        await fs.cancelDelegationToken(tokenParam(params));
        return new Response(null, { status: 200 });
      }),
  },
};
