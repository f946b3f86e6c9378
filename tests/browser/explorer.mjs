// Headless-Chromium test of chapter 3's schedule explorer (book/src/explorer/explorer.js).
// Run by scripts/test-explorer.sh, which serves book/build on 127.0.0.1 and passes the
// page's URL.
//
// 1. Every case of tests/fixtures/schedules.json (recorded from PyTorch by
//    scripts/reference/schedules.py) goes through the page's own `lrExplorer.evaluate`, and
//    every LR and momentum must satisfy |page − torch| <= max(1e-12·|torch|, 1e-15): 1e-12
//    relative, with an absolute floor of 1e-15 for values that should be exactly 0 (the
//    tolerance of tests/schedule_conformance.rs). It prints the largest deviation per kind.
// 2. Self-test of that comparison: a copy of the fixture with one value per kind (and one
//    momentum) moved by 1e-9 relative must fail exactly those cases.
// 3. The form itself: it picks schedules, types parameters into the inputs, and checks the
//    values the page displays against the fixture, and the Rust and PyTorch lines it shows.
// 4. Every Rust line the explorer can show names lrbook's real API: each type is exported by
//    src/schedule/mod.rs, each `Type::fn(` is a `pub fn` of that type with as many
//    arguments, each struct-literal field and enum variant exists.
// It saves a screenshot of the explorer to SCREENSHOT_DIR/ch3-explorer.png.
import { launchChromium, checker } from "./lib.mjs";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { execFileSync } from "node:child_process";
import { ABS, close, compare, evaluateAll } from "./explorer-fixture.mjs";

const url = process.argv[2];
const shotDir = process.argv[3] || "target/artifacts";
if (!url) {
  console.error("usage: node tests/browser/explorer.mjs URL [SCREENSHOT_DIR]");
  process.exit(2);
}
const { failures, check } = checker();


const fixture = JSON.parse(fs.readFileSync("tests/fixtures/schedules.json", "utf8"));

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const started = Date.now();
  const response = await page.goto(url, { waitUntil: "load" });
  check(response && response.ok(), `page loads (${url})`);
  const root = page.locator("#lr-explorer");
  await root.waitFor();
  await page.waitForFunction(() => document.getElementById("lr-explorer").dataset.ready === "1", null, { timeout: 60000 });

  // --- 1. every fixture case through the page's evaluate -------------------------------
  const cases = fixture.cases;
  check(fixture.torch_version.startsWith("2.13") && cases.length >= 50, `fixture: ${cases.length} cases from torch ${fixture.torch_version}`);
  const results = compare(cases, await evaluateAll(page, cases));
  const kinds = [...new Set(cases.map((c) => c.kind))];
  let values = 0;
  cases.forEach((c) => { values += c.lrs.length + (c.momentums ? c.momentums.length : 0); });
  for (const kind of kinds) {
    const mine = results.filter((r) => r.kind === kind);
    const bad = mine.filter((r) => r.bad.length);
    const maxRel = Math.max(...mine.map((r) => r.maxRel)), maxAbs = Math.max(...mine.map((r) => r.maxAbs));
    check(bad.length === 0, `${kind}: ${mine.length} cases, max relative deviation ${maxRel.toExponential(2)}, max absolute ${maxAbs.toExponential(2)}` +
      (bad.length ? `; ${bad.length} failing, first: ${bad[0].bad[0]}` : ""));
  }
  check(results.every((r) => !r.bad.length), `all ${cases.length} cases (${values} values) within max(1e-12 relative, 1e-15 absolute)`);

  // --- 2. the comparison can fail: one value per kind moved by 1e-9 relative -------------
  const broken = JSON.parse(JSON.stringify(cases));
  const perturbed = new Set();
  for (const kind of kinds) {
    const i = broken.findIndex((c) => c.kind === kind);
    const lrs = broken[i].lrs;
    const nonzero = lrs.flatMap((v, j) => (Math.abs(v) > 1e-6 ? [j] : []));
    const k = nonzero[Math.floor(nonzero.length / 2)];
    lrs[k] *= 1 + 1e-9;
    perturbed.add(i);
  }
  const momCase = broken.findIndex((c, i) => c.momentums && !perturbed.has(i));
  broken[momCase].momentums[7] *= 1 + 1e-9;
  perturbed.add(momCase);
  const brokenResults = compare(broken, await evaluateAll(page, broken));
  const failed = new Set(brokenResults.flatMap((r, i) => (r.bad.length ? [i] : [])));
  check(failed.size === perturbed.size && [...perturbed].every((i) => failed.has(i)),
    `self-test: with one value per kind (${kinds.length}) and one momentum moved by 1e-9 relative, exactly those ${perturbed.size} cases fail ` +
    `(failed: ${[...failed].sort((a, b) => a - b).join(", ")}; first report: ${brokenResults[[...perturbed][0]].bad[0]})`);

  // --- 3. the form ----------------------------------------------------------------------
  const done = async () => page.waitForFunction(() => document.getElementById("lr-explorer").dataset.done === "1");
  const set = async (id, value) => {
    const el = page.locator("#" + id);
    const [tag, now] = await el.evaluate((e) => [e.tagName === "SELECT" ? "select" : e.type, e.type === "checkbox" ? e.checked : e.value]);
    if (tag === "checkbox" ? now === Boolean(value) : now === String(value)) return; // no change, no event
    await page.evaluate(() => { document.getElementById("lr-explorer").dataset.done = "0"; });
    if (tag === "select") await el.selectOption(String(value));
    else if (tag === "checkbox") await el.setChecked(Boolean(value));
    else await el.fill(String(value));
    await done();
  };
  const pick = async (kind) => set("lrx-kind", kind);
  const find = (kind, pred) => cases.find((c) => c.kind === kind && pred(c.params));
  // The table of values the page shows, and the "η at step" readout.
  async function shownValuesMatch(name, c) {
    const rows = await page.$$eval("#lrx-rows tr", (trs) => trs.map((tr) => ({
      step: Number(tr.dataset.step), lr: tr.querySelector(".lrx-lr").textContent, mom: tr.querySelector(".lrx-mom").textContent,
    })));
    check(rows.length >= 5, `${name}: the page shows ${rows.length} values (steps ${rows.map((r) => r.step).join(", ")})`);
    for (const r of rows) {
      const ok = close(Number(r.lr), c.lrs[r.step]) && (!c.momentums || close(Number(r.mom), c.momentums[r.step]));
      check(ok, `${name}: shown η at step ${r.step} = ${r.lr}${c.momentums ? `, momentum ${r.mom}` : ""}; torch ${c.lrs[r.step]}${c.momentums ? `, ${c.momentums[r.step]}` : ""}`);
    }
    const k = Math.floor(c.lrs.length * 0.37);
    await page.locator("#lrx-at").fill(String(k));
    const at = await page.locator("#lrx-at-value").textContent();
    const m = at.match(/η = (\S+?)(,|$)/);
    check(m && close(Number(m[1]), c.lrs[k]), `${name}: "η at step ${k}" shows "${at}"; torch ${c.lrs[k]}`);
  }
  const code = async () => ({
    rust: await page.locator("#lrx-rust").textContent(),
    torch: await page.locator("#lrx-torch").textContent(),
  });

  // Cosine annealing, T_max = 7: every field typed.
  {
    const c = find("cosine", (p) => p.t_max === 7);
    await pick("cosine");
    await set("lrx-base_lr", c.params.base_lr);
    await set("lrx-t_max", c.params.t_max);
    await set("lrx-eta_min", c.params.eta_min);
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form cosine(0.05, 7, 0.01)", c);
    const { rust, torch } = await code();
    check(rust === "use lrbook::schedule::CosineAnnealingLr;\nlet schedule = CosineAnnealingLr::new(0.05, 7, 0.01)?;", `form cosine: Rust line\n${rust}`);
    check(torch.endsWith("scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=7, eta_min=0.01)") && torch.includes("lr=0.05"), `form cosine: PyTorch line\n${torch}`);
    check(await page.locator("#lrx-mom-canvas").isHidden(), "form cosine: no momentum curve");
    // The log toggle redraws the curve.
    const before = await page.locator("#lrx-lr-canvas").evaluate((cv) => cv.toDataURL());
    await set("lrx-log", true);
    const after = await page.locator("#lrx-lr-canvas").evaluate((cv) => cv.toDataURL());
    check(before !== after, "form cosine: the log-scale toggle redraws the LR curve");
    await set("lrx-log", false);
  }
  // Warm restarts, T_0 = 10, T_mult = 2.
  {
    const c = find("warm_restarts", (p) => p.t_0 === 10 && p.t_mult === 2);
    await pick("warm_restarts");
    for (const key of ["base_lr", "t_0", "t_mult", "eta_min"]) await set("lrx-" + key, c.params[key]);
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form warm restarts(T_0 10, T_mult 2)", c);
    const { rust, torch } = await code();
    check(rust.endsWith("CosineAnnealingWarmRestarts::new(0.1, 10, 2, 0.001)?;"), `form warm restarts: Rust line ${rust}`);
    check(torch.endsWith("CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2, eta_min=0.001)"), `form warm restarts: PyTorch line ${torch}`);
  }
  // One-cycle, three phases, with momentum: selects and checkboxes too.
  {
    const c = find("one_cycle", (p) => p.three_phase && p.anneal_strategy === "cos");
    await pick("one_cycle");
    for (const key of ["max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase", "cycle_momentum", "base_momentum", "max_momentum"]) {
      await set("lrx-" + key, c.params[key]);
    }
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form one-cycle (three phases, momentum)", c);
    const { rust, torch } = await code();
    check(rust.includes("OneCycleLr::new(\n    0.05,\n    200,\n    OneCycleConfig {") && rust.includes("pct_start: 0.4,") && rust.includes("div_factor: 10.0,") &&
      rust.includes("final_div_factor: 100.0,") && rust.includes("three_phase: true,") && rust.includes("..OneCycleConfig::default()"), `form one-cycle: Rust line\n${rust}`);
    check(torch.includes("OneCycleLR(optimizer, max_lr=0.05, total_steps=200, pct_start=0.4, div_factor=10.0, final_div_factor=100.0, three_phase=True)"), `form one-cycle: PyTorch line\n${torch}`);
    check(await page.locator("#lrx-mom-canvas").isVisible(), "form one-cycle: the momentum curve is shown");
    await set("lrx-steps", 230);
    check((await page.locator("#lrx-note").textContent()).includes("total_steps = 200"), "form one-cycle: steps past total_steps are flagged");
  }
  // Cyclic triangular2 with step_size_down.
  {
    const c = find("cyclic", (p) => p.mode === "triangular2" && p.cycle_momentum);
    await pick("cyclic");
    for (const key of ["base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum", "base_momentum", "max_momentum"]) {
      await set("lrx-" + key, c.params[key]);
    }
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form cyclic triangular2", c);
    const { rust, torch } = await code();
    check(rust.includes("step_size_down: Some(30),") && rust.includes("mode: CyclicMode::Triangular2,"), `form cyclic: Rust line\n${rust}`);
    check(torch.includes('CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=10, step_size_down=30, mode="triangular2")'), `form cyclic: PyTorch line\n${torch}`);
  }
  // Plateau on the sample loss, which is the fixture's first metric sequence.
  {
    const c = cases.find((x) => x.kind === "plateau");
    const sample = await page.evaluate((n) => window.lrExplorer.sampleLoss(n, "min"), c.params.metrics.length);
    const same = sample.every((m, k) => Math.abs(m - c.params.metrics[k]) <= 1e-15 * Math.abs(m));
    check(same, "plateau: the page's sample loss is the fixture's metric sequence");
    await pick("plateau");
    for (const key of ["base_lr", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"]) await set("lrx-" + key, c.params[key]);
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form plateau", c);
    const { rust, torch } = await code();
    check(rust.includes("let mut schedule = ReduceLrOnPlateau::new(") && rust.includes("patience: 3,") && rust.includes("cooldown: 2,"), `form plateau: Rust line\n${rust}`);
    check(torch.includes("ReduceLROnPlateau(optimizer, factor=0.5, patience=3, threshold=0.01, cooldown=2, min_lr=0.0001)"), `form plateau: PyTorch line\n${torch}`);
  }
  // Sequential and chained: the compositions of the fixture.
  {
    const c = find("sequential", (p) => p.parts[0].kind === "linear");
    await pick("sequential");
    await set("lrx-start_factor", c.params.parts[0].start_factor);
    await set("lrx-milestone", c.params.milestones[0]);
    await set("lrx-t_max", c.params.parts[1].t_max);
    await set("lrx-steps", c.lrs.length);
    await shownValuesMatch("form sequential (LinearLR then cosine)", c);
    const d = find("chained", (p) => p.parts[0].kind === "linear");
    await pick("chained");
    await set("lrx-start_factor", d.params.parts[0].start_factor);
    await set("lrx-total_iters", d.params.parts[0].total_iters);
    await set("lrx-gamma", d.params.parts[1].gamma);
    await set("lrx-steps", d.lrs.length);
    await shownValuesMatch("form chained (LinearLR × ExponentialLR)", d);
    const { rust } = await code();
    check(rust.includes("Chained::new(vec![\n    Box::new(LinearLr::new(0.1, 0.25, 1.0, 8)?),\n    Box::new(ExponentialLr::new(0.1, 0.98)?),\n])?;"), `form chained: Rust line\n${rust}`);
  }
  // A parameter the library rejects is reported, not drawn.
  {
    await pick("step");
    await set("lrx-gamma", "1.5");
    const err = await page.locator("#lrx-error").textContent();
    check(await page.locator("#lrx-error").isVisible() && err.includes("gamma") && err.includes("(0, 1]"), `form step with gamma 1.5: "${err}"`);
    await set("lrx-gamma", "0.5");
    check(await page.locator("#lrx-error").isHidden(), "form step: the error goes away with gamma 0.5");
  }

  // --- 4. every Rust line names the real API ----------------------------------------------
  const src = fs.readdirSync("src/schedule").filter((f) => f.endsWith(".rs")).map((f) => fs.readFileSync(path.join("src/schedule", f), "utf8")).join("\n");
  const modRs = fs.readFileSync("src/schedule/mod.rs", "utf8");
  const exported = new Set([...modRs.matchAll(/pub use \w+::\{([^}]*)\}/g)].flatMap((m) => m[1].split(",").map((s) => s.trim()).filter(Boolean)));
  // Top-level arguments of the call that starts at `open` (the index of its "(").
  const argCount = (text, open) => {
    let depth = 0, n = 0, any = false;
    for (let i = open; i < text.length; i++) {
      const ch = text[i];
      if ("([{".includes(ch)) { depth++; if (depth === 1) continue; }
      if (")]}".includes(ch)) { depth--; if (depth === 0) return any ? n + 1 : 0; }
      if (depth === 1 && ch === ",") {
        // A trailing comma before ")" does not start an argument.
        if (/^\s*\)/.test(text.slice(i + 1))) return n + 1;
        n++;
      } else if (depth >= 1 && !/\s/.test(ch)) any = true;
    }
    return -1;
  };
  const fnParams = (sig) => sig.split(",").map((s) => s.trim()).filter((s) => s && !/^&?(mut )?self$/.test(s)).length;
  // Rust lines for the defaults and for variants that switch on every optional field.
  const variants = await page.evaluate(() => {
    const out = [];
    const X = window.lrExplorer;
    for (const [kind, spec] of Object.entries(X.kinds)) {
      const p = {};
      spec.fields.forEach(([key, , , def]) => { p[key] = def; });
      out.push([kind, X.code(kind, p).rust, kind, p]);
    }
    const defaults = (kind) => Object.fromEntries(X.kinds[kind].fields.map(([k, , , d]) => [k, d]));
    const more = (name, kind, p) => out.push([name, X.code(kind, p).rust, kind, p]);
    more("warmup+start", "warmup", Object.assign(defaults("warmup"), { start_factor: 0, shape: "cosine" }));
    more("one_cycle+all", "one_cycle", { max_lr: 0.1, total_steps: 100, pct_start: 0.25, anneal_strategy: "linear", div_factor: 10, final_div_factor: 100,
      three_phase: true, cycle_momentum: false, base_momentum: 0.8, max_momentum: 0.9 });
    more("cyclic+all", "cyclic", { base_lr: 0.001, max_lr: 0.1, step_size_up: 5, step_size_down: 7, mode: "exp_range", gamma: 0.99,
      cycle_momentum: false, base_momentum: 0.7, max_momentum: 0.95 });
    more("plateau+all", "plateau", { base_lr: 0.1, mode: "max", factor: 0.5, patience: 2, threshold: 0.01, threshold_mode: "abs", cooldown: 1, min_lr: 1e-4, eps: 1e-6 });
    return out;
  });
  for (const [name, rust] of variants) {
    const problems = [];
    const use = rust.match(/^use lrbook::schedule::(?:\{([^}]*)\}|(\w+));/);
    const names = use ? (use[1] || use[2]).split(",").map((s) => s.trim()) : [];
    if (!use) problems.push("no use line");
    for (const n of names) if (!exported.has(n)) problems.push(`${n} is not exported by src/schedule/mod.rs`);
    const body = rust.slice(rust.indexOf("\n") + 1);
    for (const m of body.matchAll(/\b([A-Z]\w*)::([a-z_]\w*)\(/g)) {
      const [, type, fn] = m;
      if (type === "Box") continue;
      if (fn === "default") {
        if (!new RegExp(`impl Default for ${type} \\{`).test(src)) problems.push(`${type} does not implement Default`);
        continue;
      }
      const impl = src.match(new RegExp(`impl ${type} \\{([\\s\\S]*?)\\n\\}`));
      const sig = impl && impl[1].match(new RegExp(`pub fn ${fn}\\(([^)]*)\\)`));
      if (!sig) { problems.push(`${type}::${fn} is not a pub fn of impl ${type}`); continue; }
      const given = argCount(body, m.index + m[0].length - 1), wanted = fnParams(sig[1]);
      if (given !== wanted) problems.push(`${type}::${fn} takes ${wanted} arguments, the line gives ${given}`);
    }
    for (const m of body.matchAll(/(?:^|[^:\w])([a-z_]\w*)\(/g)) {
      if (["vec", "new", "default", "Some"].includes(m[1])) continue;
      const sig = src.match(new RegExp(`pub fn ${m[1]}(?:<[^>]*>)?\\(([^)]*)\\)`));
      if (!sig) problems.push(`${m[1]} is not a pub fn of src/schedule`);
      else if (!body.slice(0, m.index + 1).endsWith(".") && argCount(body, m.index + m[0].length - 1) !== fnParams(sig[1])) problems.push(`${m[1]}: wrong number of arguments`);
      if (!names.includes(m[1]) && !body.slice(0, m.index + 1).endsWith(".")) problems.push(`${m[1]} is not imported`);
    }
    for (const m of body.matchAll(/\b([A-Z]\w*) \{([^}]*)\.\.\1::default\(\)/g)) {
      const struct = src.match(new RegExp(`pub struct ${m[1]} \\{([\\s\\S]*?)\\n\\}`));
      for (const f of m[2].matchAll(/^\s*(\w+): /gm)) {
        if (!struct || !new RegExp(`pub ${f[1]}:`).test(struct[1])) problems.push(`${m[1]} has no pub field ${f[1]}`);
      }
    }
    for (const m of body.matchAll(/\b([A-Z]\w*)::([A-Z]\w*)\b/g)) {
      const en = src.match(new RegExp(`pub enum ${m[1]} \\{([\\s\\S]*?)\\n\\}`));
      if (!en || !new RegExp(`\\b${m[2]},`).test(en[1])) problems.push(`${m[1]}::${m[2]} is not a variant`);
      if (!names.includes(m[1])) problems.push(`${m[1]} is not imported`);
    }
    for (const m of body.matchAll(/\b([A-Z]\w*)(?:::| \{)/g)) if (!names.includes(m[1]) && m[1] !== "Box" && m[1] !== "Some") problems.push(`${m[1]} is used but not imported`);
    check(problems.length === 0, `Rust line of ${name} uses lrbook's API (${names.join(", ")})${problems.length ? ": " + problems.join("; ") : ""}`);
  }

  // --- 4b. every Rust line compiles and gives the page's values ---------------------------
  // tests/explorer_rust_lines.rs holds each variant's Rust line verbatim inside a test that
  // checks the built schedule against the values the page computes for the same parameters;
  // `cargo test` compiles and runs it. This step fails when the page's lines and that file
  // differ; EXPLORER_WRITE_RUST=1 scripts/test-explorer.sh rewrites the file.
  const rustFile = "tests/explorer_rust_lines.rs";
  const withValues = await page.evaluate((variants) => variants.map(([name, rust, kind, p]) => {
    const X = window.lrExplorer;
    const steps = kind === "plateau" ? 40 : 100;
    const params = X.kinds[kind].toParams ? X.kinds[kind].toParams(p, steps) : p;
    const r = X.evaluate(kind, params, steps);
    return { name, rust, kind, metrics: params.metrics || null, lrs: r.lrs, momenta: r.momenta };
  }), variants);
  const ident = (name) => name.replace(/\+/g, "_with_").replace(/[^a-z0-9_]/g, "_");
  const lit = (x) => { const t = String(x); return /[.e]/.test(t) || !Number.isFinite(x) ? t : t + ".0"; };
  const sample = [0, 1, 2, 5, 10, 17, 33, 50, 75, 99];
  let text = `//! The Rust lines chapter 3's schedule explorer shows (book/src/explorer/explorer.js),
//! compiled and run: each test holds one line the page shows (as rustfmt lays it out) between
//! the \`explorer line\` markers, then checks the schedule it builds against the values the page
//! computes for the same parameters, to the conformance tolerance (1e-12 relative).
//!
//! Generated by \`EXPLORER_WRITE_RUST=1 scripts/test-explorer.sh\` (tests/browser/explorer.mjs);
//! scripts/test-explorer.sh fails when the page's lines differ from this file.
// A line that sets every field still ends in \`..Config::default()\`, as the page shows it,
// so that it keeps compiling when a config gains a field.
#![allow(unused_imports, clippy::needless_update)]
use lrbook::schedule::LrSchedule;

fn assert_close(what: &str, ours: f64, page: f64) {
    assert!(
        (ours - page).abs() <= (1e-12 * page.abs()).max(1e-15),
        "{what}: lrbook {ours}, the explorer {page}"
    );
}
`;
  for (const v of withValues) {
    const body = v.rust.split("\n").map((l) => "    " + l).join("\n");
    text += `\n#[test]\nfn ${ident(v.name)}() -> lrbook::Result<()> {\n    // explorer line: ${v.name}\n${body}\n    // end of explorer line\n`;
    if (v.kind === "plateau") {
      text += `    let metrics = [${v.metrics.map(lit).join(", ")}];\n`;
      text += `    let page = [${v.lrs.map(lit).join(", ")}];\n`;
      text += `    for (k, (&metric, &want)) in metrics.iter().zip(&page).enumerate() {\n        assert_close(&format!("step {k}"), schedule.step(metric), want);\n    }\n`;
    } else {
      text += `    for (step, want) in [${sample.map((k) => `(${k}, ${lit(v.lrs[k])})`).join(", ")}] {\n        assert_close(&format!("lr({step})"), schedule.lr(step), want);\n    }\n`;
      if (v.momenta) {
        text += `    for (step, want) in [${sample.map((k) => `(${k}, ${lit(v.momenta[k])})`).join(", ")}] {\n        assert_close(&format!("momentum({step})"), schedule.momentum(step).expect("a momentum"), want);\n    }\n`;
      } else {
        text += `    assert_eq!(schedule.momentum(0), None);\n`;
      }
    }
    text += `    Ok(())\n}\n`;
  }
  // Laid out by rustfmt, as `cargo fmt --check` wants it.
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lrx-")), "lines.rs");
  fs.writeFileSync(tmp, text);
  execFileSync("rustfmt", ["--edition", "2021", tmp]);
  text = fs.readFileSync(tmp, "utf8");
  if (process.env.EXPLORER_WRITE_RUST === "1") {
    fs.writeFileSync(rustFile, text);
    console.log(`wrote ${rustFile} (${withValues.length} tests)`);
  } else {
    const committed = fs.existsSync(rustFile) ? fs.readFileSync(rustFile, "utf8") : "";
    check(committed === text, `${rustFile} holds the page's ${withValues.length} Rust lines and values` +
      (committed === text ? "" : " (it differs: rerun with EXPLORER_WRITE_RUST=1 scripts/test-explorer.sh, review the diff, commit)"));
  }

  // --- 5. every PyTorch line, run in PyTorch, gives the page's values ------------------------
  // For each kind (defaults, and variants with the optional arguments set), the PyTorch code
  // the page shows is executed with the fixture's protocol (record the LR, optimizer.step(),
  // scheduler.step(); plateau: scheduler.step(loss) with the page's sample loss, then record).
  const python = process.env.PYTHON || ".venv/bin/python";
  if (fs.existsSync(python)) {
    const runs = await page.evaluate(() => {
      const X = window.lrExplorer, out = [];
      const defaults = (kind) => Object.fromEntries(X.kinds[kind].fields.map(([k, , , d]) => [k, d]));
      const add = (kind, p) => {
        const spec = X.kinds[kind], steps = spec.steps;
        const r = X.evaluate(kind, spec.toParams ? spec.toParams(p, steps) : p, steps);
        out.push({ kind, torch: X.code(kind, p).torch, steps, lrs: r.lrs, momenta: r.momenta,
          metrics: kind === "plateau" ? X.sampleLoss(steps, p.mode) : null });
      };
      for (const kind of Object.keys(X.kinds)) add(kind, defaults(kind));
      add("warmup", Object.assign(defaults("warmup"), { shape: "cosine" }));
      add("warmup", Object.assign(defaults("warmup"), { start_factor: 0 }));
      add("one_cycle", { max_lr: 0.1, total_steps: 100, pct_start: 0.25, anneal_strategy: "linear", div_factor: 10, final_div_factor: 100,
        three_phase: true, cycle_momentum: true, base_momentum: 0.8, max_momentum: 0.9 });
      add("cyclic", { base_lr: 0.001, max_lr: 0.1, step_size_up: 5, step_size_down: 7, mode: "exp_range", gamma: 0.99,
        cycle_momentum: true, base_momentum: 0.7, max_momentum: 0.95 });
      add("cyclic", Object.assign(defaults("cyclic"), { mode: "triangular2", cycle_momentum: false }));
      add("plateau", { base_lr: 0.1, mode: "max", factor: 0.5, patience: 2, threshold: 0.01, threshold_mode: "abs", cooldown: 1, min_lr: 1e-4, eps: 1e-6 });
      return out;
    });
    const script = [
      "import json, math, sys, warnings",
      "import torch",
      "warnings.filterwarnings('ignore')",
      "out = []",
      "for run in json.load(sys.stdin):",
      "    model = torch.nn.Linear(1, 1)",
      "    ns = {'torch': torch, 'math': math, 'model': model}",
      "    try:",
      "        exec(run['torch'], ns)",
      "        opt, s = ns['optimizer'], ns['scheduler']",
      "        lrs, moms = [], []",
      "        for k in range(run['steps']):",
      "            if run['metrics'] is not None:",
      "                s.step(run['metrics'][k])",
      "            lrs.append(float(opt.param_groups[0]['lr']))",
      "            moms.append(float(opt.param_groups[0]['momentum']))",
      "            opt.step()",
      "            if run['metrics'] is None and k + 1 < run['steps']:",
      "                s.step()",
      "        out.append({'lrs': lrs, 'momenta': moms})",
      "    except Exception as e:",
      "        out.append({'error': repr(e)})",
      "json.dump(out, sys.stdout)",
    ].join("\n");
    const { spawnSync } = await import("node:child_process");
    const res = spawnSync(python, ["-c", script], { input: JSON.stringify(runs), encoding: "utf8", maxBuffer: 64 << 20 });
    check(res.status === 0, `PyTorch (${python}) ran the ${runs.length} PyTorch lines${res.status ? ": " + res.stderr.slice(-1200) : ""}`);
    if (res.status === 0) {
      JSON.parse(res.stdout).forEach((t, i) => {
        const r = runs[i];
        if (t.error) { check(false, `PyTorch line of ${r.kind} runs: ${t.error}\n${r.torch}`); return; }
        let worst = 0, bad = null;
        const cmp = (what, ours, torch) => ours.forEach((o, k) => {
          const d = Math.abs(o - torch[k]);
          if (Math.abs(torch[k]) > ABS) worst = Math.max(worst, d / Math.abs(torch[k]));
          if (!close(o, torch[k]) && !bad) bad = `${what} step ${k}: page ${o}, PyTorch ${torch[k]}`;
        });
        cmp("lr", r.lrs, t.lrs);
        if (r.momenta) cmp("momentum", r.momenta, t.momenta);
        check(!bad, `PyTorch line of ${r.kind} gives the page's ${r.steps} values${r.momenta ? " and momenta" : ""} (max relative deviation ${worst.toExponential(2)})` +
          (bad ? `: ${bad}\n${r.torch}` : ""));
      });
    }
  } else {
    const why = `explorer: the PyTorch lines were not run in PyTorch (no ${python}; scripts/setup.sh creates it)`;
    console.log(`SKIP ${why}`);
    fs.mkdirSync("target", { recursive: true });
    fs.appendFileSync("target/test-skips.txt", why + "\n");
  }

  // --- screenshot --------------------------------------------------------------------------
  await pick("one_cycle");
  await set("lrx-steps", 101);
  fs.mkdirSync(shotDir, { recursive: true });
  const shot = path.join(shotDir, "ch3-explorer.png");
  // mdBook's sticky menu bar would cover the top of the element in the shot.
  await page.addStyleTag({ content: "#mdbook-menu-bar, #menu-bar, .menu-bar { visibility: hidden !important; }" });
  await root.screenshot({ path: shot });
  check(fs.statSync(shot).size > 5000, `screenshot saved to ${shot}`);
  check(errors.length === 0, `no JavaScript errors (${errors.join("; ")})`);
  console.log(`explorer test: ${((Date.now() - started) / 1000).toFixed(1)} s in the browser`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`explorer test: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("explorer test: all checks passed");
