// The Goldilocks slider (chapter 2). Plain JavaScript, no dependencies.
//
// It reads the surfaces from the JSON that `cargo run --example ch2_goldilocks` writes
// (embedded in the page as <script type="application/json" id="ch2-slider-data">) and
// recomputes everything itself in float64: gradient descent from the same start, steps to
// ε with the same rule as Rust (the first step from which the run stays within ε until the
// end of the budget), the same sweep grid, the same regime rule and the measured edge.
// It shows Rust's numbers next to its own, so disagreement is visible, and the browser
// test (tests/browser/slider.mjs) asserts they agree.
(function () {
  "use strict";
  const root = document.getElementById("ch2-slider");
  const dataEl = document.getElementById("ch2-slider-data");
  if (!root || !dataEl) return;
  const data = JSON.parse(dataEl.textContent);

  function grad(s, x, y) {
    if (s.kind === "quadratic") {
      return [2 * s.a * x + s.c * y, 2 * s.b * y + s.c * x];
    }
    const r = y - x * x;
    return [-2 * (1 - x) - 400 * x * r, 200 * r];
  }
  function value(s, x, y) {
    if (s.kind === "quadratic") return s.a * x * x + s.b * y * y + s.c * x * y;
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
  }
  function grid() {
    const n = data.points, a = Math.log(data.eta_lo), b = Math.log(data.eta_hi);
    const out = [];
    for (let i = 0; i < n; i++) out.push(Math.exp(a + ((b - a) * i) / (n - 1)));
    return out;
  }
  const ETAS = grid();

  // One run: steps to ε (or null), blow-up step (or null), and the first `keep` iterates.
  function run(s, eta, keep) {
    let x = s.start[0], y = s.start[1];
    const mx = s.minimizer[0], my = s.minimizer[1];
    const e0 = Math.hypot(x - mx, y - my);
    let entered = -1;
    const trail = [];
    for (let t = 0; t <= s.steps; t++) {
      if (t < keep) trail.push([x, y]);
      const r = Math.hypot(x - mx, y - my) / e0;
      if (!isFinite(r) || r > data.blowup) {
        return { steps: null, diverged: t, trail: trail };
      }
      if (r <= data.eps) {
        if (entered < 0) entered = t;
      } else {
        entered = -1;
      }
      if (t === s.steps) break;
      const g = grad(s, x, y);
      x -= eta * g[0];
      y -= eta * g[1];
    }
    return { steps: entered >= 0 ? entered : null, diverged: null, trail: trail };
  }

  function regimeOf(r, eta, best) {
    if (r.diverged !== null) return "diverged";
    if (r.steps !== null && r.steps <= data.just_right_factor * best.steps) return "just right";
    return eta < best.eta ? "too small" : "oscillating";
  }

  // The page's own sweep of one surface: fastest η and measured edge.
  const sweeps = {};
  function sweep(s) {
    if (sweeps[s.name]) return sweeps[s.name];
    const res = ETAS.map((eta) => run(s, eta, 0));
    let best = null;
    res.forEach((r, i) => {
      if (r.steps !== null && (best === null || r.steps < best.steps)) {
        best = { eta: ETAS[i], steps: r.steps, index: i };
      }
    });
    let edge = NaN;
    for (let i = best.index; i < res.length; i++) {
      if (res[i].steps === null) {
        edge = Math.sqrt(ETAS[i - 1] * ETAS[i]);
        break;
      }
    }
    sweeps[s.name] = { best: best, edge: edge };
    return sweeps[s.name];
  }

  // --- the widget -------------------------------------------------------------------
  root.innerHTML =
    '<div class="ch2-controls">' +
    '<label>surface <select id="ch2-surface"></select></label> ' +
    '<label>learning rate η <input id="ch2-eta" type="range" min="0" max="' + (data.points - 1) + '" step="1"></label> ' +
    '<output id="ch2-eta-value"></output>' +
    "</div>" +
    '<canvas id="ch2-canvas" width="560" height="400"></canvas>' +
    '<dl class="ch2-readout">' +
    "<dt>step</dt><dd id=\"ch2-step\"></dd>" +
    "<dt>regime</dt><dd id=\"ch2-regime\"></dd>" +
    "<dt>steps to ε</dt><dd id=\"ch2-steps\"></dd>" +
    "<dt>stability edge</dt><dd id=\"ch2-edge\"></dd>" +
    "</dl>";
  const select = document.getElementById("ch2-surface");
  data.surfaces.forEach((s) => {
    const o = document.createElement("option");
    o.value = s.name;
    o.textContent = s.name + ": " + s.formula;
    select.appendChild(o);
  });
  const slider = document.getElementById("ch2-eta");
  const canvas = document.getElementById("ch2-canvas");
  const ctx = canvas.getContext("2d");
  const colors = { "too small": "#56B4E9", "just right": "#009E73", oscillating: "#E69F00", diverged: "#D55E00" };
  let animation = null;

  function surface() {
    return data.surfaces.find((s) => s.name === select.value);
  }
  function toPx(s, x, y) {
    const [x0, x1, y0, y1] = s.window;
    return [((x - x0) / (x1 - x0)) * canvas.width, canvas.height - ((y - y0) / (y1 - y0)) * canvas.height];
  }
  const backgrounds = {};
  function background(s) {
    if (backgrounds[s.name]) return backgrounds[s.name];
    const [x0, x1, y0, y1] = s.window;
    const img = ctx.createImageData(canvas.width, canvas.height);
    const hi = Math.log10(Math.max(value(s, x0, y1), value(s, x1, y1), value(s, x0, y0)) + 1e-2);
    const lo = -2;
    for (let py = 0; py < canvas.height; py++) {
      for (let px = 0; px < canvas.width; px++) {
        const x = x0 + ((px + 0.5) / canvas.width) * (x1 - x0);
        const y = y1 - ((py + 0.5) / canvas.height) * (y1 - y0);
        const v = Math.log10(value(s, x, y) + 1e-2);
        const band = Math.floor(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 12) / 12;
        const k = 4 * (py * canvas.width + px);
        img.data[k] = 246 + (150 - 246) * band;
        img.data[k + 1] = 249 + (166 - 249) * band;
        img.data[k + 2] = 252 + (190 - 252) * band;
        img.data[k + 3] = 255;
      }
    }
    backgrounds[s.name] = img;
    return img;
  }

  function draw(s, trail, upto, color) {
    ctx.putImageData(background(s), 0, 0);
    const m = toPx(s, s.minimizer[0], s.minimizer[1]);
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(m[0] - 6, m[1] - 6); ctx.lineTo(m[0] + 6, m[1] + 6);
    ctx.moveTo(m[0] - 6, m[1] + 6); ctx.lineTo(m[0] + 6, m[1] - 6);
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.beginPath();
    const n = Math.min(upto + 1, trail.length);
    for (let i = 0; i < n; i++) {
      const p = toPx(s, trail[i][0], trail[i][1]);
      if (i === 0) ctx.moveTo(p[0], p[1]); else ctx.lineTo(p[0], p[1]);
    }
    ctx.stroke();
    if (n > 0) {
      const p = toPx(s, trail[n - 1][0], trail[n - 1][1]);
      ctx.beginPath();
      ctx.arc(p[0], p[1], 6, 0, 2 * Math.PI);
      ctx.fill();
    }
    const st = toPx(s, s.start[0], s.start[1]);
    ctx.fillStyle = "#000";
    ctx.beginPath();
    ctx.arc(st[0], st[1], 4, 0, 2 * Math.PI);
    ctx.fill();
  }

  function fmt(x) {
    return Number(x).toPrecision(4);
  }

  function update() {
    const s = surface();
    const i = Number(slider.value);
    const eta = ETAS[i];
    const sw = sweep(s);
    const keep = s.kind === "rosenbrock" ? 4000 : 400;
    const r = run(s, eta, keep);
    const regime = regimeOf(r, eta, sw.best);
    document.getElementById("ch2-eta-value").textContent = "η = " + fmt(eta);
    const reg = document.getElementById("ch2-regime");
    reg.textContent = regime;
    reg.style.color = colors[regime];
    document.getElementById("ch2-steps").textContent =
      r.diverged !== null ? "blew up at step " + r.diverged : r.steps !== null ? String(r.steps) : "not within " + s.steps;
    const edgeEl = document.getElementById("ch2-edge");
    edgeEl.textContent =
      "measured here " + fmt(sw.edge) + " · Rust " + fmt(s.measured_edge) + " · predicted 2/λmax " + fmt(s.predicted_edge);
    root.dataset.regime = regime;
    root.dataset.eta = String(eta);
    root.dataset.steps = r.steps === null ? "" : String(r.steps);
    root.dataset.edge = String(sw.edge);
    root.dataset.rustEdge = String(s.measured_edge);
    // Animate the descent: the trail grows, the step counter counts.
    if (animation) cancelAnimationFrame(animation);
    const total = r.trail.length - 1;
    const frames = 60;
    let f = 0;
    const tick = () => {
      const upto = Math.round((total * f) / frames);
      draw(s, r.trail, upto, colors[regime]);
      document.getElementById("ch2-step").textContent = String(upto);
      if (f < frames) {
        f += 1;
        animation = requestAnimationFrame(tick);
      } else {
        animation = null;
        root.dataset.done = "1";
      }
    };
    root.dataset.done = "0";
    tick();
  }

  select.addEventListener("change", () => {
    const s = surface();
    const best = sweep(s).best;
    slider.value = String(best.index);
    update();
  });
  slider.addEventListener("input", update);
  select.value = data.surfaces[0].name;
  slider.value = String(sweep(data.surfaces[0]).best.index);
  update();
  root.dataset.ready = "1";
})();
