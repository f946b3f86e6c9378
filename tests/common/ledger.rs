//! The claims ledger: every claim a chapter's prose makes about its tables, asserted here
//! and recorded with the statistic behind it. A chapter test makes a [`Ledger`], calls
//! [`Ledger::claim`] (or [`Ledger::paired`]) once per claim, which asserts it, and pins the
//! list with [`Ledger::pin`]. The snapshot is what the book's claims appendix includes, so
//! the appendix cannot list a claim that no test asserts, nor drift from the numbers.
use lrbook::report::{fmt_sig, Cell, Table};
use lrbook::stats::{interval_text, Paired};

/// The claims of one test, in the order the prose makes them.
pub struct Ledger {
    table: Table,
}

impl Ledger {
    /// A ledger for the claims `test` (a `file::function` path) asserts; its title names
    /// the test.
    pub fn new(id: &str, test: &str) -> Self {
        Ledger {
            table: lrbook::table!(
                id,
                &format!("Claims asserted by `{test}`"),
                &["section", "claim", "statistic"],
            ),
        }
    }

    /// Asserts `holds` and records the claim with its statistic ("exact" for a closed form,
    /// the measured values otherwise).
    pub fn claim(&mut self, section: &str, claim: &str, statistic: impl Into<String>, holds: bool) {
        let statistic = statistic.into();
        assert!(holds, "claim fails: [{section}] {claim} ({statistic})");
        self.table.push(vec![
            Cell::from(section),
            Cell::from(claim),
            Cell::Text(statistic),
        ]);
    }

    /// A paired comparison `a − b` over the seeds: asserts the `expected` verdict (its
    /// interval above 0, below 0, or containing 0) and records t, df and the interval.
    pub fn paired(&mut self, section: &str, claim: &str, p: &Paired, expected: Verdict) {
        let holds = match expected {
            Verdict::Above => p.ci.0 > 0.0,
            Verdict::Below => p.ci.1 < 0.0,
            Verdict::Within => !p.beyond_noise(),
        };
        self.claim(section, claim, paired_statistic(p), holds);
    }

    /// Pins the ledger as the snapshot `tests/snapshots/<test binary>__<name>.snap`, beside
    /// the chapter's other snapshots: the markdown table the appendix includes.
    pub fn pin(self, name: &str) {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../snapshots");
        settings.set_prepend_module_to_snapshot(false);
        let file = format!("{}__{name}", env!("CARGO_CRATE_NAME"));
        settings.bind(|| insta::assert_snapshot!(file, self.markdown()));
    }

    /// The title and the table. Not `Table::to_markdown_with_title`: a ledger is not a table
    /// of the book's results but the list of a test's assertions, and its title already
    /// names the test that makes them, so it has no "From function in file" line.
    fn markdown(&self) -> String {
        format!("**{}**\n\n{}", self.table.title, self.table.to_markdown())
    }

    /// [`Ledger::pin`] on the CPU vendors in `pinned_on` only (see
    /// [`super::assert_snapshot_on_cpus`]): for claims whose statistics come from runs that
    /// round differently on other processors. The claims are asserted everywhere.
    pub fn pin_on_cpus(self, test: &str, name: &str, pinned_on: &[&str]) {
        let text = self.markdown();
        super::assert_snapshot_on_cpus(test, name, &text, pinned_on);
    }
}

/// What a paired comparison `a − b` is claimed to show.
#[derive(Clone, Copy, Debug)]
pub enum Verdict {
    /// `a` exceeds `b` beyond the seed noise: the interval lies above 0.
    Above,
    /// `a` falls short of `b` beyond the seed noise: the interval lies below 0.
    Below,
    /// The seeds cannot tell them apart: the interval contains 0.
    Within,
}

/// "paired t = 9.68, df 4, mean difference 0.017, 95% CI 0.012 to 0.022".
pub fn paired_statistic(p: &Paired) -> String {
    format!(
        "paired t = {}, df {}, mean difference {}, 95% CI {}",
        fmt_sig(p.t, 3),
        p.df,
        fmt_sig(p.mean_diff, 2),
        interval_text(p.ci.0, p.ci.1, 2)
    )
}

/// "0.215 > 0.205" style statistics for a descriptive comparison of two numbers.
pub fn compared(a: f64, op: &str, b: f64) -> String {
    format!("{} {op} {}", fmt_sig(a, 3), fmt_sig(b, 3))
}
