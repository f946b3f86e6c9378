// The explorer's values against the PyTorch schedule fixture (tests/fixtures/schedules.json),
// shared by tests/browser/explorer.mjs and the page test's check (checks/explorer.mjs).
// Tolerance as in tests/schedule_conformance.rs: |page - torch| <= max(1e-12 |torch|, 1e-15).
export const REL = 1e-12;
export const ABS = 1e-15;
export const close = (ours, torch) => Math.abs(ours - torch) <= Math.max(REL * Math.abs(torch), ABS);

// Every case run through the page's window.lrExplorer.evaluate, in the browser.
export const evaluateAll = (page, cases) => page.evaluate((cases) => cases.map((c) => {
  try {
    const r = window.lrExplorer.evaluate(c.kind, c.params, c.lrs.length);
    return { lrs: r.lrs, momenta: r.momenta, lastStep: r.lastStep };
  } catch (e) {
    return { error: String(e) };
  }
}), cases);

// Compares the page's values for every case with `cases`; returns per-case results.
export function compare(cases, results) {
  return cases.map((c, i) => {
    const r = results[i];
    const out = { kind: c.kind, bad: [], maxRel: 0, maxAbs: 0 };
    if (r.error) { out.bad.push(`evaluate threw: ${r.error}`); return out; }
    const seq = (what, ours, torch) => {
      if (!ours || ours.length !== torch.length) { out.bad.push(`${what}: ${ours ? ours.length : "no"} values for ${torch.length}`); return; }
      torch.forEach((t, k) => {
        const d = Math.abs(ours[k] - t);
        out.maxAbs = Math.max(out.maxAbs, d);
        if (Math.abs(t) > ABS) out.maxRel = Math.max(out.maxRel, d / Math.abs(t));
        if (!close(ours[k], t) || !Number.isFinite(ours[k])) out.bad.push(`${what} step ${k}: page ${ours[k]}, torch ${t}`);
      });
    };
    seq("lr", r.lrs, c.lrs);
    if (c.momentums) seq("momentum", r.momenta, c.momentums);
    else if (r.momenta) out.bad.push("momentum given where PyTorch has none");
    if (c.kind === "one_cycle" && r.lastStep + 1 !== c.params.raises_at_step) {
      out.bad.push(`last defined step ${r.lastStep}, but PyTorch raises at step ${c.params.raises_at_step}`);
    }
    return out;
  });
}
