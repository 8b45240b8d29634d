// Charts drawn as SVG by the console itself (no library).

const NS = "http://www.w3.org/2000/svg";
function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Horizontal bars: [{label, value, color?}]. */
export function bars(rows, { title = "" } = {}) {
  const rowH = 24, labelW = 130, width = 420;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = el("svg", { viewBox: `0 0 ${width} ${Math.max(1, rows.length) * rowH + 6}`, class: "chart", role: "img", "aria-label": title });
  rows.forEach((r, i) => {
    const y = i * rowH + 3;
    svg.append(el("text", { x: 0, y: y + 15 }, r.label));
    const w = Math.round(((width - labelW - 50) * r.value) / max);
    svg.append(el("rect", { x: labelW, y, width: Math.max(w, r.value ? 2 : 0), height: rowH - 6, rx: 2, fill: r.color || "#1f5fbf" }));
    svg.append(el("text", { x: labelW + w + 6, y: y + 15 }, String(r.value)));
  });
  return svg;
}

/** A line of [{t: epoch ms, v: number}] with time labels from `fmt`. */
export function line(points, { title = "", fmt = String, unit = "" } = {}) {
  const width = 640, height = 220, left = 52, bottom = 28, top = 10, right = 10;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title });
  if (points.length === 0) return svg;
  const t0 = Math.min(...points.map((p) => p.t)), t1 = Math.max(...points.map((p) => p.t));
  let v0 = Math.min(...points.map((p) => p.v)), v1 = Math.max(...points.map((p) => p.v));
  if (v0 === v1) { v0 -= 1; v1 += 1; }
  const x = (t) => left + ((width - left - right) * (t - t0)) / Math.max(1, t1 - t0);
  const y = (v) => top + ((height - top - bottom) * (v1 - v)) / (v1 - v0);
  svg.append(el("line", { x1: left, y1: top, x2: left, y2: height - bottom, stroke: "#b8c1cc" }));
  svg.append(el("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: "#b8c1cc" }));
  for (const v of [v0, (v0 + v1) / 2, v1]) {
    svg.append(el("text", { x: 2, y: y(v) + 4 }, `${+v.toFixed(2)}${unit ? " " + unit : ""}`));
  }
  svg.append(el("text", { x: left, y: height - 8 }, fmt(t0)));
  svg.append(el("text", { x: width - right, y: height - 8, "text-anchor": "end" }, fmt(t1)));
  const sorted = [...points].sort((a, b) => a.t - b.t);
  svg.append(el("polyline", { points: sorted.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "),
                              fill: "none", stroke: "#1f5fbf", "stroke-width": 1.5 }));
  return svg;
}
