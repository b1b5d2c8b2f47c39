/// recod's web page (`GET /`): the suite at a glance, drawn in the browser
/// from `/metrics` every two seconds. Self-contained (no external scripts,
/// styles or fonts), so it works offline. Each figure is also written into a
/// `data-*` attribute, so a test can read what the page shows.
enum DashboardPage {
    static let html = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>RecoSuite</title>
    <style>
    body { font: 14px system-ui, sans-serif; margin: 16px; background: #fafafa; color: #222; }
    h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 16px 0 6px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
    .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px; }
    table { border-collapse: collapse; width: 100%; } td, th { padding: 3px 6px; border-bottom: 1px solid #eee; text-align: left; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; } .bad { color: #b00; } .ok { color: #070; }
    canvas { width: 100%; height: 160px; } #updated { color: #777; }
    </style></head><body>
    <h1>RecoSuite <span id="updated">loading...</span></h1>
    <div class="grid">
      <div class="card"><h2>Programs</h2><table id="programs"><tr><th>program</th><th>state</th><th>restarts</th></tr></table></div>
      <div class="card"><h2>Calls per second and p99 by method</h2><table id="methods"><tr><th>program</th><th>method</th><th>/s</th><th>p99 ms</th><th>errors</th></tr></table></div>
      <div class="card"><h2>user_recommend per second</h2><canvas id="qps" width="800" height="320"></canvas></div>
      <div class="card"><h2>user_recommend p99 (ms)</h2><canvas id="p99" width="800" height="320"></canvas></div>
      <div class="card"><h2>Degraded answers by cause</h2><table id="degraded"></table></div>
      <div class="card"><h2>Cache and freshness</h2><table id="cache"></table></div>
      <div class="card"><h2>A/B read-out: CTR per strategy (95% Wilson interval)</h2><canvas id="ab" width="800" height="320"></canvas><table id="abtable"></table></div>
    </div>
    <script>
    "use strict";
    let previous = null; const qpsHistory = [], p99History = [];
    function parse(text) {
      const series = [];
      for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/);
        if (!m) continue;
        const labels = {};
        if (m[3]) for (const l of m[3].match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) || []) { const i = l.indexOf("="); labels[l.slice(0, i)] = JSON.parse(l.slice(i + 1)); }
        series.push({ name: m[1], labels, value: Number(m[4]) });
      }
      return series;
    }
    const pick = (all, name, match = () => true) => all.filter(s => s.name === name && match(s.labels));
    const sum = list => list.reduce((a, s) => a + s.value, 0);
    function quantile(buckets, q) {
      buckets = buckets.filter(b => b.count >= 0).sort((a, b) => a.le - b.le);
      const total = buckets.length ? buckets[buckets.length - 1].count : 0;
      if (total <= 0) return null;
      const rank = q * total; let lowerLe = 0, lowerCount = 0;
      for (const b of buckets) {
        if (b.count >= rank) { if (!isFinite(b.le)) return lowerLe; return lowerLe + (b.le - lowerLe) * (rank - lowerCount) / Math.max(b.count - lowerCount, 1e-9); }
        lowerLe = b.le; lowerCount = b.count;
      }
      return lowerLe;
    }
    function buckets(all, labels, base) {
      return pick(all, "rpc_server_latency_seconds_bucket", l => l.program === labels.program && l.method === labels.method)
        .map(s => { const b = base ? pick(base, "rpc_server_latency_seconds_bucket", l => l.program === labels.program && l.method === labels.method && l.le === s.labels.le)[0] : null;
                    return { le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value - (b ? b.value : 0) }; });
    }
    function row(table, cells, attrs) {
      const tr = document.createElement("tr");
      for (const [k, v] of Object.entries(attrs || {})) tr.setAttribute("data-" + k, v);
      for (const c of cells) { const td = document.createElement("td"); td.textContent = c.text ?? c; if (c.cls) td.className = c.cls; tr.appendChild(td); }
      table.appendChild(tr);
    }
    function reset(id, header) { const t = document.getElementById(id); t.innerHTML = header || ""; return t; }
    function line(canvas, history, color) {
      const c = document.getElementById(canvas), g = c.getContext("2d");
      g.clearRect(0, 0, c.width, c.height);
      const max = Math.max(1, ...history); g.strokeStyle = "#ccc"; g.strokeRect(40, 10, c.width - 50, c.height - 40);
      g.fillStyle = "#555"; g.font = "20px sans-serif"; g.fillText(max.toFixed(max < 10 ? 2 : 0), 2, 28); g.fillText("0", 20, c.height - 30);
      g.strokeStyle = color; g.lineWidth = 3; g.beginPath();
      history.forEach((v, i) => { const x = 40 + (c.width - 50) * i / Math.max(history.length - 1, 1), y = c.height - 30 - (c.height - 40) * v / max; i ? g.lineTo(x, y) : g.moveTo(x, y); });
      g.stroke(); c.setAttribute("data-points", String(history.length));
    }
    function wilson(clicks, n) {
      if (n <= 0) return [0, 0, 0]; const z = 1.96, p = clicks / n, d = 1 + z * z / n;
      const center = (p + z * z / (2 * n)) / d, half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d;
      return [p, Math.max(0, center - half), Math.min(1, center + half)];
    }
    function render(all, seconds) {
      const programs = reset("programs", "<tr><th>program</th><th>state</th><th>restarts</th></tr>");
      for (const s of pick(all, "recod_program_running")) {
        const restarts = sum(pick(all, "recod_program_restarts_total", l => l.program === s.labels.program));
        row(programs, [s.labels.program, { text: s.value ? "RUNNING" : "DOWN", cls: s.value ? "ok" : "bad" }, { text: String(restarts), cls: "n" }],
            { program: s.labels.program, running: String(s.value), restarts: String(restarts) });
      }
      const methods = reset("methods", "<tr><th>program</th><th>method</th><th>/s</th><th>p99 ms</th><th>errors</th></tr>");
      const keys = new Map();
      for (const s of pick(all, "rpc_server_calls_total")) if (!/Metrics|Trace|health/.test(s.labels.method)) keys.set(s.labels.program + " " + s.labels.method, s.labels);
      let userQps = 0, userP99 = 0;
      for (const labels of [...keys.values()].sort((a, b) => (a.program + a.method).localeCompare(b.program + b.method))) {
        const mine = l => l.program === labels.program && l.method === labels.method;
        const total = sum(pick(all, "rpc_server_calls_total", mine)), before = previous ? sum(pick(previous, "rpc_server_calls_total", mine)) : total;
        const errors = sum(pick(all, "rpc_server_calls_total", l => mine(l) && l.code !== "ok"));
        const qps = seconds > 0 ? (total - before) / seconds : 0;
        let window = buckets(all, labels, previous); if (!window.some(b => b.count > 0)) window = buckets(all, labels, null);
        const p99 = quantile(window, 0.99);
        if (labels.method === "/UserRecommend/user_recommend") { userQps = qps; userP99 = p99 === null ? 0 : p99 * 1000; }
        row(methods, [labels.program, labels.method, { text: qps.toFixed(1), cls: "n" }, { text: p99 === null ? "-" : (p99 * 1000).toFixed(2), cls: "n" }, { text: String(errors), cls: errors ? "n bad" : "n" }],
            { program: labels.program, method: labels.method, calls: String(total), errors: String(errors) });
      }
      qpsHistory.push(userQps); p99History.push(userP99); if (qpsHistory.length > 120) { qpsHistory.shift(); p99History.shift(); }
      line("qps", qpsHistory, "#1565c0"); line("p99", p99History, "#c62828");
      const degraded = reset("degraded");
      const causes = {}; for (const s of pick(all, "reco_degraded_total")) causes[s.labels.cause] = (causes[s.labels.cause] || 0) + s.value;
      if (!Object.keys(causes).length) row(degraded, ["none"]);
      for (const [cause, n] of Object.entries(causes).sort()) row(degraded, [cause, { text: String(n), cls: "n" }], { cause, count: String(n) });
      const cache = reset("cache");
      const takes = {}; for (const s of pick(all, "cache_takes_total")) takes[s.labels.result] = (takes[s.labels.result] || 0) + s.value;
      const allTakes = Object.values(takes).reduce((a, b) => a + b, 0), hitRate = allTakes ? (takes.hit || 0) / allTakes : 0;
      row(cache, ["cache hit rate", { text: (100 * hitRate).toFixed(1) + "% of " + allTakes + " takes", cls: "n" }], { figure: "hit-rate", value: hitRate.toFixed(4), takes: String(allTakes) });
      for (const s of pick(all, "events_freshness_lag_seconds")) row(cache, ["freshness lag " + s.labels.program, { text: (1000 * s.value).toFixed(1) + " ms", cls: "n" }], { figure: "lag", program: s.labels.program });
      for (const s of pick(all, "artifact_version", l => true).filter(s => s.value === 1)) {
        const created = pick(all, "artifact_created_timestamp_seconds", l => l.program === s.labels.program)[0];
        row(cache, ["artifacts " + s.labels.program, { text: s.labels.version + (created ? ", " + Math.round(Date.now() / 1000 - created.value) + " s old" : ""), cls: "n" }], { figure: "version", program: s.labels.program, version: s.labels.version });
      }
      const arms = {};
      for (const s of pick(all, "events_ingested_total")) {
        const a = arms[s.labels.strategy] = arms[s.labels.strategy] || { exposure: 0, click: 0 };
        if (s.labels.action === "exposure") a.exposure += s.value; else if (s.labels.action === "click") a.click += s.value;
      }
      const abtable = reset("abtable", "<tr><th>strategy</th><th>exposures</th><th>clicks</th><th>CTR</th><th>95% interval</th></tr>");
      const entries = Object.entries(arms).filter(([name, a]) => name !== "none" && a.exposure > 0).sort();
      const c = document.getElementById("ab"), g = c.getContext("2d"); g.clearRect(0, 0, c.width, c.height);
      const top = Math.max(0.01, ...entries.map(([, a]) => wilson(a.click, a.exposure)[2]));
      entries.forEach(([name, a], i) => {
        const [p, lo, hi] = wilson(a.click, a.exposure);
        row(abtable, [name, { text: String(a.exposure), cls: "n" }, { text: String(a.click), cls: "n" }, { text: (100 * p).toFixed(2) + "%", cls: "n" }, { text: (100 * lo).toFixed(2) + "-" + (100 * hi).toFixed(2) + "%", cls: "n" }],
            { strategy: name, exposures: String(a.exposure), clicks: String(a.click) });
        const w = (c.width - 40) / entries.length, x = 20 + i * w, y = v => c.height - 40 - (c.height - 60) * v / top;
        g.fillStyle = "#90caf9"; g.fillRect(x + w * 0.2, y(p), w * 0.6, c.height - 40 - y(p));
        g.strokeStyle = "#0d47a1"; g.lineWidth = 3; g.beginPath(); g.moveTo(x + w / 2, y(lo)); g.lineTo(x + w / 2, y(hi)); g.stroke();
        g.fillStyle = "#222"; g.font = "20px sans-serif"; g.fillText(name, x + w * 0.2, c.height - 12);
      });
      c.setAttribute("data-arms", String(entries.length));
    }
    async function tick() {
      try {
        const started = Date.now(), all = parse(await (await fetch("/metrics")).text());
        const seconds = previous ? (started - tick.last) / 1000 : 0; tick.last = started;
        render(all, seconds); previous = all;
        const u = document.getElementById("updated"); u.textContent = "updated " + new Date().toLocaleTimeString(); u.setAttribute("data-updates", String((Number(u.getAttribute("data-updates")) || 0) + 1));
      } catch (e) { document.getElementById("updated").textContent = "metrics unavailable: " + e; }
      setTimeout(tick, 2000);
    }
    tick();
    </script></body></html>
    """#
}
