// The web UI's static files, served by the binary itself (issue 7): "/" is the page, "/ui/*"
// its script and style sheet. The page is plain HTML, CSS and browser JavaScript with no
// framework and no build step; it reads the JSON API (/api/...) and redraws itself every second.
import { readUiFile } from "./ui-files.ts" with { type: "macro" };

/** Inlined at build time (see ui-files.ts). */
const FILES: ReadonlyMap<string, { body: string; type: string }> = new Map([
  ["/", { body: readUiFile("index.html"), type: "text/html; charset=utf-8" }],
  ["/ui/app.js", { body: readUiFile("app.js"), type: "text/javascript; charset=utf-8" }],
  ["/ui/style.css", { body: readUiFile("style.css"), type: "text/css; charset=utf-8" }],
]);

const HEADERS = {
  // Everything the page loads comes from this peer; nothing inline, nothing from elsewhere.
  "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Revalidated on every load: a restarted peer may be running a newer binary.
  "cache-control": "no-cache",
};

/** The UI's answer for "/" and "/ui/*" (undefined for any other path, and for unknown files). */
export function uiResponse(pathname: string): Response | undefined {
  const file = FILES.get(pathname === "/index.html" ? "/" : pathname);
  if (!file) return undefined;
  return new Response(file.body, { headers: { ...HEADERS, "content-type": file.type } });
}
