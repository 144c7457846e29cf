// The web UI's static files, served by the binary itself (issue 7). A placeholder until the UI
// lands: `uiResponse` answers "/" and "/ui/*", and undefined for every other path.
export function uiResponse(pathname: string): Response | undefined {
  if (pathname === "/" || pathname === "/index.html") {
    return new Response("<!doctype html><title>Tessera</title><p>The web UI is coming.</p>", { headers: { "content-type": "text/html; charset=utf-8" } });
  }
  return undefined;
}
