// The web UI's files as the peer serves them (src/http/ui.ts): the page and exactly the files
// it loads, with their types, and nothing else under /ui/. The browser test (ui.test.ts) shows
// the page working against a real cluster; this one runs in milliseconds.
import { describe, it, expect } from "vitest";
import { uiResponse } from "../../src/http/ui.ts";

describe("uiResponse", () => {
  it("serves the page at / and every script and style sheet the page names", async () => {
    const page = uiResponse("/")!;
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    const loaded = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1]!);
    expect(loaded.sort()).toEqual(["/ui/app.js", "/ui/style.css"]);
    expect(uiResponse("/ui/app.js")!.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(uiResponse("/ui/style.css")!.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await uiResponse("/index.html")!.text()).toBe(html);
  });

  it("sends a policy that allows only this peer's own files, and no inline script", () => {
    for (const path of ["/", "/ui/app.js", "/ui/style.css"]) {
      const headers = uiResponse(path)!.headers;
      expect(headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("answers undefined for anything else, so the server can 404 it", () => {
    for (const path of ["/ui/", "/ui/nope.js", "/ui/../package.json", "/api/peers", "/metrics", "/UI/app.js"]) expect(uiResponse(path)).toBeUndefined();
  });

  it("ships a script that parses", async () => {
    const script = await uiResponse("/ui/app.js")!.text();
    expect(() => new Function(script)).not.toThrow();
  });
});
