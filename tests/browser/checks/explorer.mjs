// Layout check: a page with the schedule explorer (window.lrExplorer, chapter 3) computes
// every case of the PyTorch schedule fixture within the conformance tolerance
// (explorer-fixture.mjs), in every layout; chapter 3's page must have the explorer.
// tests/browser/explorer.mjs tests the explorer's form, Rust and PyTorch lines in depth.
import fs from "node:fs";
import { compare, evaluateAll } from "../explorer-fixture.mjs";

export const name = "explorer";

let fixture = null;

export async function check(page, { rel, fail }) {
  const present = await page.evaluate(() => Boolean(window.lrExplorer && window.lrExplorer.evaluate));
  if (!present) {
    if (rel === "ch3-schedules.html") fail("chapter 3 has no schedule explorer (window.lrExplorer)");
    return;
  }
  fixture = fixture || JSON.parse(fs.readFileSync("tests/fixtures/schedules.json", "utf8"));
  const results = compare(fixture.cases, await evaluateAll(page, fixture.cases));
  results.forEach((r, i) => {
    if (r.bad.length) fail(`fixture case ${i} (${r.kind}): ${r.bad.length} value(s) off, first: ${r.bad[0]}`);
  });
}
