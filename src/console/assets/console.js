// linewarden console: live calls over server-sent events, and seeking the
// player from the waveform's tag marks. Every value from the server goes
// into the page with textContent (never innerHTML): caller names and
// numbers are untrusted.
"use strict";

(function () {
  const COLUMNS = ["started", "line", "caller", "caller-name", "policy", "outcome",
    "bridge", "risk", "tags", "state"];

  function cell(row, name) {
    return row.querySelector("td." + name);
  }

  function set(row, name, value) {
    const td = cell(row, name);
    if (td) td.textContent = value === null || value === undefined || value === "" ? "-" : String(value);
  }

  // "2026-01-31T12:00:00.000Z" -> "2026-01-31 12:00:00", as the server does.
  function shortTime(t) {
    return typeof t === "string" ? t.slice(0, 19).replace("T", " ") : t;
  }

  // The cell's title says which rule raised the risk (empty: none known).
  function setRisk(row, risk, why) {
    row.className = "risk-" + (risk || "");
    set(row, "risk", risk);
    const td = cell(row, "risk");
    if (td) td.title = why || "";
  }

  function newRow(id) {
    const row = document.createElement("tr");
    row.dataset.id = String(id);
    for (const name of COLUMNS) {
      const td = document.createElement("td");
      td.className = name;
      td.textContent = "-";
      row.appendChild(td);
    }
    const td = document.createElement("td");
    const a = document.createElement("a");
    a.href = "/calls/" + encodeURIComponent(String(id));
    a.textContent = "open";
    td.appendChild(a);
    row.appendChild(td);
    return row;
  }

  function fill(row, call) {
    set(row, "started", shortTime(call.started_at));
    set(row, "line", call.line);
    set(row, "caller", call.caller);
    set(row, "caller-name", call.caller_name);
    set(row, "policy", call.policy);
    set(row, "outcome", call.outcome);
    set(row, "bridge", call.bridge);
    setRisk(row, call.risk, call.why);
    set(row, "tags", (call.tags || []).join(", "));
    set(row, "state", call.ended_at ? (call.end_reason || "ended") : "in progress");
  }

  function liveView(table) {
    const body = table.querySelector("tbody");
    const status = document.getElementById("live-status");
    const rows = new Map();
    for (const row of body.querySelectorAll("tr[data-id]")) rows.set(row.dataset.id, row);

    function rowFor(id) {
      const key = String(id);
      let row = rows.get(key);
      if (!row) {
        row = newRow(id);
        rows.set(key, row);
        body.insertBefore(row, body.firstChild);
        // Joined mid-call: fetch what is known so far.
        fetch("/api/calls/" + encodeURIComponent(key), { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : null))
          .then((call) => { if (call) fill(row, call); })
          .catch(() => {});
      }
      return row;
    }

    function setStatus(state) {
      status.dataset.state = state;
      status.textContent = state;
    }

    const source = new EventSource("/api/live");
    source.onopen = () => setStatus("connected");
    source.onerror = () => setStatus("reconnecting");
    const on = (kind, f) => source.addEventListener(kind, (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch (_) { return; }
      f(data);
    });
    on("started", (e) => {
      const row = rowFor(e.id);
      set(row, "started", shortTime(e.started_at));
      set(row, "line", e.line);
      set(row, "caller", e.caller);
      set(row, "state", "in progress");
    });
    on("caller_name", (e) => set(rowFor(e.id), "caller-name", e.name));
    on("state", (e) => {
      const row = rowFor(e.id);
      if (["policy", "outcome", "bridge"].includes(e.field)) set(row, e.field, e.value);
    });
    on("tag", (e) => {
      const row = rowFor(e.id);
      const td = cell(row, "tags");
      const tags = td.textContent === "-" || td.textContent === "" ? [] : td.textContent.split(", ");
      if (!tags.includes(e.tag)) tags.push(e.tag);
      td.textContent = tags.join(", ");
    });
    on("risk", (e) => setRisk(rowFor(e.id), e.risk, e.why));
    on("ended", (e) => set(rowFor(e.id), "state", e.reason));
    on("reload", () => window.location.reload());
  }

  function seeking() {
    const player = document.getElementById("player");
    if (!player) return;
    for (const mark of document.querySelectorAll("#waveform .tag-mark")) {
      mark.addEventListener("click", () => {
        const t = parseFloat(mark.dataset.seek);
        if (!Number.isNaN(t)) { player.currentTime = t; player.play().catch(() => {}); }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const live = document.getElementById("live-calls");
    if (live) liveView(live);
    seeking();
  });
})();
