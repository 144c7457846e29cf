// Tessera's web UI (issue 7): plain browser JavaScript, no framework and no build step. It
// reads the peer's JSON API (/api/...) once a second and redraws the current view when the
// answer changed; routes live in the hash (#/, #/peers, #/files/<path>, #/buckets, #/jobs,
// #/jobs/<id>)
// so a reload or a shared link lands on the same view. The DOM is built with createElement
// and textContent only, never innerHTML: file names and job errors are user data.
"use strict";

(() => {
  const POLL_INTERVAL_MS = 1000;
  // A request slower than this counts as a failed poll; the next poll tries again.
  const REQUEST_TIMEOUT_MS = 5000;
  // Bounds on what one view draws: a folder or a job can be far larger than a page can show.
  const ENTRIES_SHOWN_MAX = 1000;
  const TASKS_SHOWN_MAX = 2000;
  const JOBS_SHOWN_MAX = 200;
  const BUCKETS_SHOWN_MAX = 1000;

  const view = document.getElementById("view");
  const banner = document.querySelector('[data-testid="banner"]');
  const live = document.querySelector('[data-testid="live"]');
  const selfBox = document.querySelector('[data-testid="self"]');

  const poll = { generation: 0, timer: 0, lastKey: "", lastOkAtMs: 0 };
  // The rack of each peer seen so far, for views whose data names peers without racks.
  const rackOf = new Map();

  // ---- DOM and formatting helpers ----

  /** h("div", { class: "x", testid: "y", "data-z": 1 }, child, [children], "text") */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "testid") el.setAttribute("data-testid", value);
      else el.setAttribute(key, String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else el.append(child instanceof Node ? child : String(child));
    }
  }

  const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  function bytes(n) {
    if (!Number.isFinite(n)) return "–";
    let value = n;
    let unit = 0;
    while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
  }

  function percent(p) {
    if (!Number.isFinite(p)) return "–";
    return `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
  }

  function duration(ms) {
    if (!Number.isFinite(ms)) return "–";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  function ago(ms) {
    return ms < 1500 ? "just now" : `${duration(ms)} ago`;
  }

  function count(n) {
    return Number.isFinite(n) ? n.toLocaleString("en-US") : "–";
  }

  function when(ms) {
    if (!ms) return "–";
    return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  }

  /**
   * Permission bits as `hdfs dfs -ls` and `tessera fs ls` print them (drwxr-xr-t): the same
   * rule as src/protocol/permissions.ts's formatPermission, which this page, served as it is,
   * cannot import.
   */
  function permissionText(kind, bits) {
    const rwx = (three) => `${three & 4 ? "r" : "-"}${three & 2 ? "w" : "-"}${three & 1 ? "x" : "-"}`;
    const text = `${kind === "dir" ? "d" : "-"}${rwx(bits >> 6)}${rwx(bits >> 3)}${rwx(bits)}`;
    return bits & 0o1000 ? `${text.slice(0, 9)}${bits & 1 ? "t" : "T"}` : text;
  }

  /** A peer id is long ("12D3KooW…"): show its head and tail, the whole in the tooltip. */
  function peerLabel(id, opts = {}) {
    if (!id) return h("span", { class: "muted" }, "none");
    // As the server's alerts write a peer ("12D3..x7Yq2b"), so a name in an alert can be found on the page.
    const short = id.length > 12 ? `${id.slice(0, 4)}..${id.slice(-6)}` : id;
    const rack = opts.withRack ? rackOf.get(id) : undefined;
    return h("span", { class: "peer", title: id, "data-peer": id }, h("code", {}, short), rack ? h("span", { class: "rack-tag" }, rack) : null);
  }

  function badge(text, kind) {
    return h("span", { class: `badge badge-${String(kind).toLowerCase()}` }, text);
  }

  /** A horizontal bar of segments [{ value, cls, label }] out of `total`. */
  function bar(segments, total, attrs = {}) {
    const el = h("div", { class: "bar", role: "img", ...attrs });
    const title = [];
    for (const segment of segments) {
      const fraction = total > 0 ? Math.max(0, Math.min(1, segment.value / total)) : 0;
      const part = h("div", { class: `bar-part ${segment.cls}` });
      part.style.width = `${(fraction * 100).toFixed(3)}%`;
      el.append(part);
      if (segment.label) title.push(`${segment.label}: ${segment.text ?? percent(fraction * 100)}`);
    }
    if (title.length > 0) {
      el.title = title.join("\n");
      el.setAttribute("aria-label", title.join(", "));
    }
    return el;
  }

  /** "done / total" with a bar; data-done and data-total carry the numbers for tests and tools. */
  function progress(label, done, total, testid, state) {
    const cls = state === "failed" || state === "killed" ? "bar-bad" : done >= total && total > 0 ? "bar-done" : "bar-run";
    return h(
      "div",
      { class: "progress", testid, "data-done": done, "data-total": total },
      h("div", { class: "progress-label" }, h("span", {}, label), h("span", { class: "num" }, `${count(done)} / ${count(total)}`)),
      bar([{ value: done, cls }], total, { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": total, "aria-valuenow": done }),
    );
  }

  function legendItem(keyClass, text) {
    return h("span", { class: "legend-item" }, h("span", { class: `key ${keyClass}` }), text);
  }

  function table(headers, rows, attrs = {}) {
    return h(
      "table",
      attrs,
      h("thead", {}, h("tr", {}, headers.map((header) => h("th", typeof header === "string" ? {} : { class: header.cls }, typeof header === "string" ? header : header.text)))),
      h("tbody", {}, rows),
    );
  }

  function dl(pairs, attrs = {}) {
    return h(
      "dl",
      { class: "facts", ...attrs },
      pairs.filter(Boolean).map(([term, value, testid]) => [h("dt", {}, term), h("dd", testid ? { testid } : {}, value)]),
    );
  }

  function section(title, testid, ...children) {
    return h("section", { class: "panel", testid }, title ? h("h2", {}, title) : null, children);
  }

  function errorPanel(message, ...extra) {
    return h("div", { class: "panel error-panel", testid: "view-error" }, h("p", {}, message), extra);
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, { cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new ApiError(0, err && err.name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : "the connection failed");
    }
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, (body && body.error) || `${path} answered ${response.status}`);
    if (body === undefined) throw new ApiError(response.status, `${path} did not answer JSON`);
    return body;
  }

  const q = encodeURIComponent;

  // ---- routes ----

  function parseRoute() {
    // Segments are decoded one by one, so a name holding "/" or "?" (sent as %2F, %3F) stays whole.
    const raw = location.hash.replace(/^#/, "");
    const queryAt = raw.indexOf("?");
    const query = new URLSearchParams(queryAt >= 0 ? raw.slice(queryAt + 1) : "");
    const parts = (queryAt >= 0 ? raw.slice(0, queryAt) : raw)
      .split("/")
      .filter((part) => part !== "")
      .map(decodeSegment);
    if (parts.length === 0) return { name: "overview" };
    if (parts[0] === "peers" && parts.length === 1) return { name: "peers" };
    if (parts[0] === "files") return { name: "files", path: `/${parts.slice(1).join("/")}`, after: query.get("after") || undefined };
    if (parts[0] === "buckets" && parts.length === 1) return { name: "buckets" };
    if (parts[0] === "jobs" && parts.length === 1) return { name: "jobs" };
    if (parts[0] === "jobs" && parts.length === 2) return { name: "job", id: parts[1] };
    return { name: "unknown", hash: raw };
  }

  function decodeSegment(segment) {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  }

  function fileHref(path) {
    return `#/files${path.split("/").map(q).join("/")}`;
  }

  function jobHref(id) {
    return `#/jobs/${q(id)}`;
  }

  const LOADERS = {
    overview: async () => ({ overview: await api("/api/overview") }),
    peers: async () => {
      // The leader's report has usage; the local peer table has roles and load. Either alone
      // still draws the page (with no leader there is no report, but gossip still knows peers).
      const [overview, peers] = await Promise.allSettled([api("/api/overview"), api("/api/peers")]);
      if (overview.status === "rejected" && peers.status === "rejected") throw overview.reason;
      return {
        overview: overview.status === "fulfilled" ? overview.value : undefined,
        overviewError: overview.status === "rejected" ? overview.reason.message : undefined,
        peers: peers.status === "fulfilled" ? peers.value.peers : [],
      };
    },
    files: async (route) => {
      const stat = await api(`/api/fs/stat?path=${q(route.path)}`);
      if (stat.kind !== "dir") return { stat };
      // A folder comes a page at a time (LIST_ENTRIES_MAX on the server); `next` continues.
      const after = route.after ? `&after=${q(route.after)}` : "";
      return { stat, list: await api(`/api/fs/list?path=${q(route.path)}${after}`) };
    },
    buckets: async () => api("/api/buckets"),
    jobs: async () => ({ jobs: (await api("/api/jobs")).jobs }),
    job: async (route) => {
      const [job, peers] = await Promise.all([api(`/api/jobs/${q(route.id)}`), api("/api/peers").catch(() => ({ peers: [] }))]);
      return { ...job, peers: peers.peers };
    },
    unknown: async () => ({}),
  };

  const RENDERERS = {
    overview: renderOverview,
    peers: renderPeers,
    files: renderFiles,
    buckets: renderBuckets,
    jobs: renderJobs,
    job: renderJob,
    unknown: (route) => [errorPanel(`There is no page at #${route.hash}.`, h("a", { href: "#/" }, "Go to the overview"))],
  };

  const TITLES = { overview: "Overview", peers: "Peers", files: "Files", buckets: "Buckets", jobs: "Jobs", job: "Job", unknown: "Not found" };

  // ---- the poll loop ----

  async function tick() {
    const generation = poll.generation;
    const route = parseRoute();
    let data;
    let failure;
    try {
      data = await LOADERS[route.name](route);
    } catch (err) {
      failure = err;
    }
    // The route changed while this poll was out: its answer belongs to another view, and the
    // new view's loop is already running.
    if (generation !== poll.generation) return;
    try {
      if (failure && failure.status >= 400 && failure.status < 500) {
        // The peer answered: the path or job does not exist, or the request was refused. That
        // is this view's content, not a connection problem.
        setLive(true);
        draw(route, `error:${failure.message}`, () => routeError(route, failure));
      } else if (failure) {
        setLive(false, failure);
        if (poll.lastKey === "") draw(route, "", () => [errorPanel(`Cannot load this view: ${failure.message}.`)]);
      } else {
        setLive(true);
        if (data.overview) showSelf(data.overview);
        remember(data);
        draw(route, JSON.stringify(data), () => RENDERERS[route.name](route, data));
      }
    } catch (err) {
      // An answer this page cannot draw (a newer or older server?): say so, and keep polling.
      poll.lastKey = "";
      view.replaceChildren(errorPanel(`This view could not be drawn: ${err && err.message}.`));
    }
    if (!document.hidden) poll.timer = setTimeout(tick, POLL_INTERVAL_MS);
  }

  /** Redraws the view only when its data changed, so an idle page does no DOM work. */
  function draw(route, key, build) {
    if (key !== "" && key === poll.lastKey) return;
    poll.lastKey = key;
    view.setAttribute("data-route", route.name);
    view.replaceChildren(...build());
  }

  function routeError(route, failure) {
    if (route.name === "files") {
      const parent = route.path.replace(/\/[^/]*$/, "") || "/";
      return [breadcrumb(route.path), errorPanel(failure.message, h("a", { href: fileHref(parent) }, `Back to ${parent}`))];
    }
    if (route.name === "job") return [errorPanel(failure.message, h("a", { href: "#/jobs" }, "All jobs"))];
    return [errorPanel(failure.message)];
  }

  function restart() {
    poll.generation += 1;
    poll.lastKey = "";
    clearTimeout(poll.timer);
    const route = parseRoute();
    document.title = `${TITLES[route.name]} · Tessera`;
    for (const link of document.querySelectorAll("nav a")) {
      const active = link.dataset.route === route.name || (link.dataset.route === "jobs" && route.name === "job");
      if (active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    void tick();
  }

  function setLive(ok, failure) {
    if (ok) poll.lastOkAtMs = Date.now();
    live.classList.toggle("stale", !ok);
    live.querySelector(".live-text").textContent = ok ? "live" : "stale";
    live.setAttribute("data-updated", String(poll.lastOkAtMs));
    banner.classList.toggle("hidden", ok);
    if (!ok) {
      const what = failure.status === 0 ? `Cannot reach this peer: ${failure.message}.` : `This peer could not answer: ${failure.message}.`;
      const since = poll.lastOkAtMs ? ` The page shows data from ${ago(Date.now() - poll.lastOkAtMs)}.` : "";
      banner.textContent = `${what}${since} Retrying every second.`;
    }
  }

  function showSelf(overview) {
    const self = overview.self || {};
    selfBox.replaceChildren(h("span", { class: "muted" }, "this peer "), peerLabel(self.id), self.rack ? h("span", { class: "rack-tag" }, self.rack) : null);
  }

  function remember(data) {
    const overview = data.overview;
    for (const peer of (overview && overview.report && overview.report.peers) || []) rackOf.set(peer.peer, peer.rack);
    for (const peer of data.peers || []) rackOf.set(peer.id, peer.rack);
    if (overview && overview.self && overview.self.id) rackOf.set(overview.self.id, overview.self.rack);
  }

  // ---- overview ----

  const HEALTH_TEXT = { HEALTHY: "Healthy", UNDER_REPLICATED: "Under-replicated", CORRUPT: "Corrupt", MISSING: "Missing chunks" };

  function renderOverview(_route, { overview }) {
    const report = overview.report || {};
    const fsck = overview.fsck || {};
    const status = overview.status || {};
    const alerts = overview.alerts || [];
    return [
      h("div", { class: "cards" }, capacityCard(report), healthCard(fsck, report), mastersCard(status), peersCard(report)),
      section(
        `Alerts (${alerts.length})`,
        "alerts",
        alerts.length === 0 ? h("p", { class: "ok-text" }, "No alerts: every chunk has its replicas and every peer answers.") : h("ul", { class: "alerts" }, alerts.map((alert) => h("li", { testid: "alert" }, alert))),
      ),
      section("Racks", "racks-summary", racksSummary(report.peers || [])),
    ];
  }

  function capacityBar(capacity, chunkBytes, remaining, attrs) {
    const other = Math.max(0, capacity - remaining - chunkBytes);
    return bar(
      [
        { value: chunkBytes, cls: "bar-chunks", label: "chunks", text: bytes(chunkBytes) },
        { value: other, cls: "bar-other", label: "other files", text: bytes(other) },
      ],
      capacity,
      attrs,
    );
  }

  function capacityCard(report) {
    return h(
      "section",
      { class: "card", testid: "capacity" },
      h("h2", {}, "Capacity"),
      h("div", { class: "big" }, bytes(report.usedBytes), h("span", { class: "muted" }, ` of ${bytes(report.capacityBytes)} in chunks`)),
      capacityBar(report.capacityBytes, report.usedBytes, report.remainingBytes, { testid: "capacity-bar", "data-used-percent": report.usedPercent }),
      h("div", { class: "legend" }, legendItem("key-chunks", `chunks ${percent(report.usedPercent)}`), legendItem("key-other", `other ${bytes(report.nonChunkUsedBytes)}`), legendItem("key-free", `free ${bytes(report.remainingBytes)}`)),
    );
  }

  function healthCard(fsck, report) {
    const statusText = HEALTH_TEXT[fsck.status] || fsck.status || "unknown";
    return h(
      "section",
      { class: "card", testid: "health", "data-status": fsck.status },
      h("h2", {}, "Health"),
      h("div", { class: "big" }, badge(statusText, fsck.status || "unknown")),
      dl([
        ["Files", count(report.files ?? fsck.files)],
        ["Chunks", count(report.chunks ?? fsck.chunks)],
        ["Under-replicated", count(fsck.underReplicated ?? report.underReplicated), "under-replicated"],
        ["Corrupt", count(fsck.corrupt)],
        ["Missing", count(fsck.missing), "missing"],
        ["Repair queue", count(report.repairQueue)],
        ["Repaired", `${count(report.repairedChunks)} chunks, ${bytes(report.repairedBytes)}`],
      ]),
    );
  }

  function mastersCard(status) {
    const voters = status.voters || [];
    const learners = status.learners || [];
    return h(
      "section",
      { class: "card", testid: "masters" },
      h("h2", {}, "Masters"),
      h("div", { class: "big", testid: "leader", "data-peer": status.leader || "" }, status.leader ? [h("span", { class: "muted" }, "leader "), peerLabel(status.leader, { withRack: true })] : badge("no leader", "dead")),
      dl([
        ["Term", count(status.term)],
        ["Commit / applied", `${count(status.commitIndex)} / ${count(status.appliedIndex)}`],
      ]),
      h("h3", {}, `Voters (${voters.length})`),
      h("ul", { class: "chips" }, voters.map((id) => h("li", { testid: "voter", "data-peer": id }, peerLabel(id, { withRack: true }), id === status.leader ? badge("leader", "leader") : null))),
      learners.length > 0 ? [h("h3", {}, `Learners (${learners.length})`), h("ul", { class: "chips" }, learners.map((id) => h("li", { testid: "learner", "data-peer": id }, peerLabel(id, { withRack: true }))))] : null,
    );
  }

  function peersCard(report) {
    return h(
      "section",
      { class: "card", testid: "peer-counts" },
      h("h2", {}, "Peers"),
      h("div", { class: "big" }, count(report.livePeers), h("span", { class: "muted" }, " alive")),
      dl([
        ["Suspect", count(report.suspectPeers)],
        ["Dead", count(report.deadPeers), "dead-peers"],
      ]),
      h("a", { href: "#/peers" }, "All peers by rack →"),
    );
  }

  function byRack(peers, rackOfPeer) {
    const racks = new Map();
    for (const peer of peers) {
      const rack = rackOfPeer(peer) || "(no rack)";
      if (!racks.has(rack)) racks.set(rack, []);
      racks.get(rack).push(peer);
    }
    return [...racks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  function racksSummary(peers) {
    if (peers.length === 0) return h("p", { class: "muted" }, "No chunk servers reported yet.");
    const rows = byRack(peers, (peer) => peer.rack).map(([rack, members]) => {
      const alive = members.filter((peer) => peer.state === "alive").length;
      const capacity = members.reduce((sum, peer) => sum + (peer.state === "dead" ? 0 : peer.capacityBytes), 0);
      const used = members.reduce((sum, peer) => sum + (peer.state === "dead" ? 0 : peer.usedBytes), 0);
      const remaining = members.reduce((sum, peer) => sum + (peer.state === "dead" ? 0 : peer.remainingBytes), 0);
      const chunks = members.reduce((sum, peer) => sum + peer.chunks, 0);
      return h(
        "tr",
        { testid: "rack-summary", "data-rack": rack },
        h("td", {}, h("a", { href: "#/peers" }, rack)),
        h("td", { class: "num" }, `${alive} / ${members.length}`),
        h("td", { class: "num" }, count(chunks)),
        h("td", { class: "num" }, bytes(used)),
        h("td", { class: "wide" }, capacityBar(capacity, used, remaining)),
      );
    });
    return table(["Rack", { text: "Alive", cls: "num" }, { text: "Chunks", cls: "num" }, { text: "In chunks", cls: "num" }, "Disk"], rows);
  }

  // ---- peers ----

  function renderPeers(_route, { overview, overviewError, peers }) {
    const reportPeers = (overview && overview.report && overview.report.peers) || [];
    const status = (overview && overview.status) || {};
    const local = new Map(peers.map((peer) => [peer.id, peer]));
    // Chunk servers from the leader's report, plus peers only gossip knows (a client-less peer
    // without the chunk role, or every peer when there is no leader to ask).
    const rows = reportPeers.map((peer) => ({ id: peer.peer, rack: peer.rack, state: peer.state, report: peer, local: local.get(peer.peer) }));
    for (const peer of peers) if (!rows.some((row) => row.id === peer.id)) rows.push({ id: peer.id, rack: peer.rack, state: peer.state, local: peer });
    const voters = new Set(status.voters || []);
    const out = [];
    if (overviewError) out.push(h("div", { class: "panel warn-panel" }, `The leader's report is unavailable (${overviewError}); showing this peer's own table.`));
    out.push(
      h("div", { class: "legend page-legend" }, "Disk: ", legendItem("key-chunks", "chunks"), legendItem("key-other", "other files"), legendItem("key-free", "free")),
    );
    if (rows.length === 0) out.push(section("Peers", "racks", h("p", { class: "muted" }, "No peers known yet.")));
    for (const [rack, members] of byRack(rows, (row) => row.rack)) {
      members.sort((a, b) => (a.id < b.id ? -1 : 1));
      const alive = members.filter((row) => row.state === "alive").length;
      out.push(
        h(
          "section",
          { class: "panel", testid: "rack", "data-rack": rack },
          h("h2", {}, h("span", { class: "rack-name" }, rack), h("span", { class: "muted" }, ` ${alive} of ${members.length} alive`)),
          table(
            ["Peer", "State", "Roles", { text: "Chunks", cls: "num" }, { text: "Used", cls: "num" }, "Disk", { text: "Load", cls: "num" }, { text: "Last seen", cls: "num" }],
            members.map((row) => peerRow(row, status.leader, voters)),
            { class: "peers" },
          ),
        ),
      );
    }
    return out;
  }

  function peerRow(row, leader, voters) {
    const r = row.report;
    const l = row.local;
    const capacity = r ? r.capacityBytes : l ? l.capacityBytes : 0;
    const remaining = r ? r.remainingBytes : l ? l.freeBytes : 0;
    const used = r ? r.usedBytes : 0;
    const roles = [...((l && l.roles) || [])];
    if (row.id === leader) roles.unshift("leader");
    else if (voters.has(row.id)) roles.unshift("voter");
    return h(
      "tr",
      { testid: "peer-row", "data-peer": row.id, "data-state": row.state, class: `row-${row.state}` },
      h("td", {}, peerLabel(row.id)),
      h("td", {}, badge(row.state, row.state)),
      h("td", {}, roles.map((role) => badge(role, role === "leader" || role === "voter" ? role : "role"))),
      h("td", { class: "num" }, count(r ? r.chunks : l ? l.chunkCount : NaN)),
      h("td", { class: "num", testid: "used-percent" }, r ? percent(r.usedPercent) : "–"),
      h("td", { class: "wide" }, capacityBar(capacity, used, remaining, { testid: "used-bar" }), h("div", { class: "small muted" }, `${bytes(used)} in chunks · ${bytes(remaining)} free of ${bytes(capacity)}`), tierLine((r && r.tiers) || (l && l.tiers) || [])),
      h("td", { class: "num" }, l ? `${l.load.toFixed(2)} / ${l.cores}` : "–"),
      h("td", { class: "num" }, ago((r ? r.lastSeenAgoMs : l ? l.lastSeenAgoMs : NaN) ?? NaN)),
    );
  }

  // Cache tiers (issue 16), top first: "Cache: MEM 12 MiB of 64 MiB · HDD 1 GiB of 2 GiB · 90% hits".
  function tierLine(tiers) {
    if (tiers.length === 0) return null;
    const hits = tiers.reduce((sum, tier) => sum + tier.hits, 0);
    const reads = hits + tiers.reduce((sum, tier) => sum + tier.misses, 0);
    const parts = tiers.map((tier) => `${tier.name} ${bytes(tier.usedBytes)} of ${bytes(tier.capacityBytes)}`);
    if (reads > 0) parts.push(`${Math.round((hits / reads) * 100)}% hits`);
    return h("div", { class: "small muted", testid: "tiers" }, `Cache: ${parts.join(" · ")}`);
  }

  // ---- files ----

  function breadcrumb(path) {
    const parts = path.split("/").filter(Boolean);
    const crumbs = [h("a", { href: fileHref("/") }, "/")];
    let prefix = "";
    parts.forEach((part, i) => {
      prefix += `/${part}`;
      if (i > 0) crumbs.push(h("span", { class: "sep" }, "/"));
      crumbs.push(i === parts.length - 1 ? h("strong", {}, part) : h("a", { href: fileHref(prefix) }, part));
    });
    return h("nav", { class: "breadcrumb", testid: "breadcrumb", "aria-label": "path" }, crumbs);
  }

  function renderFiles(route, { stat, list }) {
    if (stat.kind !== "dir") return [breadcrumb(route.path), fileView(stat)];
    const entries = [...list.entries].sort((a, b) => (a.kind !== b.kind ? (a.kind === "dir" ? -1 : 1) : a.path < b.path ? -1 : 1));
    const shown = entries.slice(0, ENTRIES_SHOWN_MAX);
    const rows = shown.map((entry) => {
      const name = entry.path.slice(entry.path.lastIndexOf("/") + 1);
      const isDir = entry.kind === "dir";
      return h(
        "tr",
        { testid: "fs-entry", "data-path": entry.path, "data-kind": entry.kind },
        h("td", {}, h("a", { href: fileHref(entry.path), class: isDir ? "dir" : "file" }, h("span", { class: "icon", "aria-hidden": "true" }, isDir ? "▸" : "·"), name, isDir ? "/" : "")),
        h("td", {}, h("code", { testid: "fs-permission" }, permissionText(entry.kind, entry.permission || 0))),
        h("td", { testid: "fs-owner" }, entry.owner || ""),
        h("td", { testid: "fs-group" }, entry.group || ""),
        h("td", { class: "num" }, isDir ? "" : bytes(entry.size)),
        h("td", { class: "num" }, isDir ? "" : count(entry.replication)),
        h("td", { class: "num" }, isDir ? "" : bytes(entry.chunkSize)),
        h("td", {}, entry.state === "open" ? badge("being written", "warn") : ""),
        h("td", { class: "num muted" }, when(entry.mtimeMs)),
      );
    });
    return [
      breadcrumb(route.path),
      section(
        null,
        "listing",
        entries.length === 0 ? h("p", { class: "muted" }, "This folder is empty.") : table(["Name", "Permission", "Owner", "Group", { text: "Size", cls: "num" }, { text: "Replication", cls: "num" }, { text: "Chunk size", cls: "num" }, "", { text: "Modified", cls: "num" }], rows, { class: "files" }),
        entries.length > shown.length ? h("p", { class: "muted" }, `Showing the first ${shown.length} of ${entries.length} entries.`) : null,
        route.after || list.next
          ? h(
              "p",
              { class: "pager" },
              route.after ? h("a", { href: fileHref(route.path) }, "← first entries") : null,
              list.next ? h("a", { href: `${fileHref(route.path)}?after=${q(list.next)}`, testid: "next-page" }, "next entries →") : null,
            )
          : null,
      ),
    ];
  }

  function fileView(stat) {
    const chunks = stat.chunks || [];
    const short = chunks.filter((chunk) => chunk.replicas.length < stat.replication).length;
    return section(
      null,
      "file-stat",
      h("h2", {}, stat.path.slice(stat.path.lastIndexOf("/") + 1), h("span", { class: "muted" }, ` ${bytes(stat.size)}`)),
      dl([
        ["Path", h("code", {}, stat.path)],
        ["Size", `${bytes(stat.size)} (${count(stat.size)} bytes)`],
        ["Owner", `${stat.owner || "–"}, group ${stat.group || "–"}`, "file-owner"],
        ["Permission", h("code", {}, `${permissionText(stat.kind, stat.permission || 0)} (${(stat.permission || 0).toString(8).padStart(3, "0")})`), "file-permission"],
        ["Replication", count(stat.replication)],
        ["Chunk size", bytes(stat.chunkSize)],
        ["Chunks", count(chunks.length), "chunk-count"],
        ["State", stat.state === "open" ? badge("open: being written", "warn") : stat.state || "–"],
        ["Modified", when(stat.mtimeMs)],
        short > 0 ? ["Under-replicated", badge(`${short} of ${chunks.length} chunks`, "UNDER_REPLICATED")] : null,
      ]),
      h("h3", {}, "Chunks and where their replicas live"),
      table(
        [{ text: "#", cls: "num" }, "Chunk", { text: "Size", cls: "num" }, { text: "Version", cls: "num" }, "Replicas by rack"],
        chunks.map((chunk) => chunkRow(chunk, stat.replication)),
        { class: "chunks" },
      ),
    );
  }

  function chunkRow(chunk, replication) {
    const racks = byRack(chunk.replicas, (replica) => replica.rack);
    const missing = chunk.replicas.length < replication;
    return h(
      "tr",
      { testid: "chunk-row", "data-chunk-index": chunk.index, "data-replicas": chunk.replicas.length, class: missing ? "row-suspect" : "" },
      h("td", { class: "num" }, chunk.index),
      h("td", {}, h("code", { title: chunk.id }, chunk.id.length > 20 ? `${chunk.id.slice(0, 20)}…` : chunk.id), chunk.committed === false ? badge("uncommitted", "warn") : null),
      h("td", { class: "num" }, bytes(chunk.size)),
      h("td", { class: "num" }, chunk.version),
      h(
        "td",
        {},
        chunk.replicas.length === 0 ? badge("no replica", "MISSING") : null,
        h(
          "div",
          { class: "replica-racks" },
          racks.map(([rack, replicas]) =>
            h("div", { class: "replica-rack", testid: "replica-rack", "data-rack": rack }, h("span", { class: "rack-tag" }, rack), replicas.map((replica) => h("span", { class: "replica", testid: "replica", "data-peer": replica.peer }, peerLabel(replica.peer)))),
          ),
        ),
        missing && chunk.replicas.length > 0 ? h("span", { class: "small warn-text" }, ` ${chunk.replicas.length} of ${replication}`) : null,
      ),
    );
  }

  // ---- buckets ----

  function renderBuckets(_route, { buckets, truncated }) {
    const about = h(
      "p",
      { class: "muted" },
      "The S3 gateway serves each top-level folder whose name is a valid S3 bucket name as a bucket: the object ",
      h("code", {}, "s3://NAME/KEY"),
      " is the file ",
      h("code", {}, "/NAME/KEY"),
      ".",
    );
    if (buckets.length === 0) {
      return [
        section(
          "Buckets",
          "buckets",
          about,
          h(
            "p",
            { testid: "no-buckets" },
            "No buckets yet. Serve this cluster over S3 with ",
            h("code", {}, "tessera gateway s3"),
            " (or ",
            h("code", {}, "tessera node start --s3 HOST:PORT"),
            ") and create one with any S3 client, or make a top-level folder with ",
            h("code", {}, "tessera fs mkdir /NAME"),
            "; the README's S3 gateway section says how.",
          ),
          truncated ? h("p", { class: "muted" }, "The root folder holds more than 10,000 entries: only the first 10,000 were looked at.") : null,
        ),
      ];
    }
    const shown = buckets.slice(0, BUCKETS_SHOWN_MAX);
    return [
      section(
        `Buckets (${count(buckets.length)}${truncated ? "+" : ""})`,
        "buckets",
        about,
        table(
          ["Bucket", { text: "Modified", cls: "num" }],
          shown.map((bucket) =>
            h(
              "tr",
              { testid: "bucket-row", "data-bucket": bucket.name },
              h("td", {}, h("a", { href: fileHref(`/${bucket.name}`), class: "dir" }, h("span", { class: "icon", "aria-hidden": "true" }, "▸"), bucket.name)),
              h("td", { class: "num muted" }, when(bucket.mtimeMs)),
            ),
          ),
          { class: "buckets" },
        ),
        buckets.length > shown.length ? h("p", { class: "muted" }, `Showing the first ${shown.length} of ${count(buckets.length)} buckets.`) : null,
        truncated ? h("p", { class: "muted", testid: "buckets-truncated" }, "The root folder holds more than 10,000 entries: only the buckets among the first 10,000 are listed.") : null,
      ),
    ];
  }

  // ---- jobs ----

  /** Where the finished maps ran, from the job's counters. */
  function localityOfCounters(counters) {
    return { node: counters.nodeLocalMaps || 0, rack: counters.rackLocalMaps || 0, remote: counters.remoteMaps || 0 };
  }

  /** Where the finished maps ran, from the tasks: live while the job runs (the master adds the counters up when it ends). */
  function localityOfTasks(tasks) {
    const counts = { node: 0, rack: 0, remote: 0 };
    for (const task of tasks) if (task.kind === "map" && task.state === "done" && task.locality in counts) counts[task.locality] += 1;
    return counts;
  }

  function localityBar({ node, rack, remote }, pendingNote) {
    const total = node + rack + remote;
    if (total === 0 && pendingNote) return h("div", { class: "locality small muted", testid: "locality" }, pendingNote);
    return h(
      "div",
      { class: "locality", testid: "locality", "data-node": node, "data-rack": rack, "data-remote": remote },
      h("div", { class: "progress-label" }, h("span", {}, "map locality"), h("span", { class: "num" }, total > 0 ? `${percent((node / total) * 100)} node-local` : "")),
      bar(
        [
          { value: node, cls: "bar-node", label: "node-local", text: count(node) },
          { value: rack, cls: "bar-rack", label: "rack-local", text: count(rack) },
          { value: remote, cls: "bar-remote", label: "remote", text: count(remote) },
        ],
        total,
        { class: "bar thin" },
      ),
      h("div", { class: "legend" }, legendItem("key-node", `node ${count(node)}`), legendItem("key-rack", `rack ${count(rack)}`), legendItem("key-remote", `remote ${count(remote)}`)),
    );
  }

  function jobName(job) {
    const module = (job.module || "").split("/").pop() || job.id;
    return module;
  }

  function renderJobs(_route, { jobs }) {
    if (jobs.length === 0) return [section("Jobs", "jobs", h("p", { class: "muted" }, "No jobs yet. Run one with "), h("code", {}, "tessera job run MODULE --input PATH --output PATH"))];
    const shown = jobs.slice(0, JOBS_SHOWN_MAX);
    return [
      section(
        `Jobs (${jobs.length})`,
        "jobs",
        table(
          ["Job", "State", "Maps", "Reduces", "Map locality", { text: "Elapsed", cls: "num" }],
          shown.map((job) =>
            h(
              "tr",
              { testid: "job-row", "data-job-id": job.id, "data-state": job.state },
              h("td", {}, h("a", { href: jobHref(job.id), class: "job-link" }, jobName(job)), h("div", { class: "small muted" }, h("code", {}, job.id)), h("div", { class: "small muted" }, `${(job.inputs || []).join(", ")} → ${job.output}`)),
              h("td", {}, badge(job.state, job.state)),
              h("td", { class: "wide" }, progress("maps", job.mapsDone, job.mapTasks, "maps-progress", job.state)),
              h("td", { class: "wide" }, progress("reduces", job.reducesDone, job.reducers, "reduces-progress", job.state)),
              h("td", { class: "wide" }, localityBar(localityOfCounters(job.counters || {}), job.state === "running" && job.mapsDone > 0 ? "counted when the job ends; the job's page shows it live" : undefined)),
              h("td", { class: "num" }, duration(job.elapsedMs)),
            ),
          ),
          { class: "jobs" },
        ),
        jobs.length > shown.length ? h("p", { class: "muted" }, `Showing the newest ${shown.length} of ${jobs.length} jobs.`) : null,
      ),
    ];
  }

  function taskName(task) {
    return `${task.kind}-${String(task.index).padStart(5, "0")}`;
  }

  function renderJob(_route, { job, tasks }) {
    const counters = job.counters || {};
    const shownTasks = (tasks || []).slice(0, TASKS_SHOWN_MAX);
    const running = (tasks || []).filter((task) => task.state === "running").length;
    return [
      h("nav", { class: "breadcrumb" }, h("a", { href: "#/jobs" }, "Jobs"), h("span", { class: "sep" }, "/"), h("strong", {}, job.id)),
      h(
        "section",
        { class: "panel", testid: "job", "data-job-id": job.id, "data-state": job.state },
        h("h2", {}, jobName(job), " ", badge(job.state, job.state)),
        job.error ? h("p", { class: "error-text", testid: "job-error" }, job.error) : null,
        h(
          "div",
          { class: "job-progress" },
          progress("maps", job.mapsDone, job.mapTasks, "maps-progress", job.state),
          progress("reduces", job.reducesDone, job.reducers, "reduces-progress", job.state),
          localityBar((tasks || []).length > 0 ? localityOfTasks(tasks) : localityOfCounters(counters)),
        ),
        dl([
          ["Id", h("code", {}, job.id)],
          ["Module", h("code", {}, job.module)],
          ["Input", (job.inputs || []).map((input) => h("a", { href: fileHref(input), class: "path" }, input))],
          ["Output", h("a", { href: fileHref(job.output), class: "path" }, job.output)],
          ["Submitted", when(job.submittedAtMs)],
          ["Elapsed", duration(job.elapsedMs)],
          ["Tasks running", count(running)],
        ]),
      ),
      section(
        job.state === "running" ? "Counters (the master adds most of them up when the job ends)" : "Counters",
        "counters",
        dl(
          Object.keys(counters)
            .sort()
            .map((name) => [name, name.endsWith("Bytes") ? bytes(counters[name]) : count(counters[name])]),
          { class: "facts counters" },
        ),
      ),
      section(
        `Tasks (${(tasks || []).length})`,
        "tasks",
        table(
          ["Task", "State", { text: "Attempts", cls: "num" }, "Peer", "Locality"],
          shownTasks.map((task) =>
            h(
              "tr",
              { testid: "task-row", "data-task": taskName(task), "data-state": task.state },
              h("td", {}, h("code", {}, taskName(task))),
              h("td", {}, badge(task.state, task.state)),
              h("td", { class: "num" }, count(task.attempts)),
              h("td", {}, task.peer ? peerLabel(task.peer, { withRack: true }) : h("span", { class: "muted" }, "–")),
              h("td", {}, task.locality ? badge(task.locality, `loc-${task.locality}`) : ""),
            ),
          ),
          { class: "tasks" },
        ),
        (tasks || []).length > shownTasks.length ? h("p", { class: "muted" }, `Showing the first ${shownTasks.length} of ${tasks.length} tasks.`) : null,
      ),
    ];
  }

  // ---- start ----

  window.addEventListener("hashchange", restart);
  document.addEventListener("visibilitychange", () => {
    // A hidden tab stops polling (tick does not re-arm); coming back polls at once.
    if (!document.hidden) restart();
  });
  // The header names this peer on every view, not only the overview.
  api("/api/overview").then(showSelf, () => undefined);
  restart();
})();
