//! Tables of named columns, rounded to a stated number of significant digits, rendered as
//! markdown. The same text goes to stdout, to the book (`book/src/generated/`) and into the
//! snapshot tests, so the book can only show numbers the tests pin.
use std::fmt::Write as _;
use std::path::Path;

use crate::provenance::Source;
use crate::Result;

/// One cell of a [`Table`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    /// A number shown with `digits` significant digits.
    Num {
        /// The value.
        value: f64,
        /// Significant digits to show.
        digits: usize,
    },
    /// An integer, shown exactly.
    Int(i64),
    /// Free text.
    Text(String),
}

impl Cell {
    /// A number with `digits` significant digits.
    pub fn num(value: f64, digits: usize) -> Self {
        Cell::Num { value, digits }
    }

    /// The number in the cell (an integer as `f64`); `None` for text.
    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Num { value, .. } => Some(*value),
            Cell::Int(i) => Some(*i as f64),
            Cell::Text(_) => None,
        }
    }

    /// Renders the cell as it appears in markdown.
    pub fn render(&self) -> String {
        match self {
            Cell::Num { value, digits } => fmt_sig(*value, *digits),
            Cell::Int(i) => i.to_string(),
            Cell::Text(s) => s.replace('|', "\\|"),
        }
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}
impl From<usize> for Cell {
    fn from(i: usize) -> Self {
        Cell::Int(i as i64)
    }
}
impl From<i32> for Cell {
    fn from(i: i32) -> Self {
        Cell::Int(i as i64)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// Formats `x` with `digits` significant digits: plain notation for 1e-4 ≤ |x| < 1e6,
/// scientific otherwise; `-0` prints as `0`, NaN as `NaN`, infinities as `inf`/`-inf`.
pub fn fmt_sig(x: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    // Round once, in scientific form, so that 9.999 → 1.00e1 is handled by the formatter.
    let sci = format!("{:.*e}", digits - 1, x);
    let (mantissa, exp) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    if mantissa
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        return "0".into();
    }
    if (-4..6).contains(&exp) {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        let value: f64 = sci.parse().expect("round-trips");
        let s = format!("{value:.decimals$}");
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            "0".into()
        } else {
            s
        }
    } else {
        format!("{mantissa}e{exp}")
    }
}

/// A titled table with named columns. `id` names the generated file (`<id>.md`). Make one
/// with [`crate::table!`], which records the function that builds it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// The function that built the table and its file, named under it in the book and in
    /// the snapshots.
    pub source: Source,
    /// File stem for the generated markdown, e.g. `rates_vs_kappa`.
    pub id: String,
    /// A one-line caption.
    pub title: String,
    /// Column headers, with units where there are any.
    pub columns: Vec<String>,
    /// Rows; each has one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table built by `source`, with the given id, caption and column headers.
    /// [`crate::table!`] passes the calling function as `source`.
    pub fn new(source: Source, id: &str, title: &str, columns: &[&str]) -> Self {
        Table {
            source,
            id: id.into(),
            title: title.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![],
        }
    }

    /// Appends a row. Panics in debug builds if the row has the wrong width (a programming error).
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row width must match the columns of table '{}'",
            self.id
        );
        self.rows.push(row);
    }

    /// The index of the column headed `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The cell in row `row` under the column headed `name`.
    pub fn cell(&self, row: usize, name: &str) -> Option<&Cell> {
        self.rows.get(row)?.get(self.column(name)?)
    }

    /// The table as GitHub-flavoured markdown, without the title.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        // A bar inside a header cell is escaped like one in a text cell, or it splits the cell.
        let header: Vec<String> = self.columns.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let aligns: Vec<&str> = (0..self.columns.len())
            .map(|c| {
                if self
                    .rows
                    .iter()
                    .all(|r| matches!(r.get(c), Some(Cell::Text(_))))
                {
                    ":---"
                } else {
                    "---:"
                }
            })
            .collect();
        let _ = writeln!(out, "|{}|", aligns.join("|"));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Cell::render).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }

    /// The title as a bold caption line, the table, and the line naming the function and
    /// file that built it (see [`source_line`]): what the snapshots pin.
    pub fn to_markdown_with_title(&self) -> String {
        format!(
            "**{}**\n\n{}\n{}\n",
            self.title,
            self.to_markdown(),
            source_line(&self.source)
        )
    }
}

/// An empty [`Table`] built by the function this is written in:
/// `lrbook::table!(id, title, &columns)` (see [`Table::new`]).
#[macro_export]
macro_rules! table {
    ($id:expr, $title:expr, $columns:expr $(,)?) => {
        $crate::report::Table::new($crate::here!(), $id, $title, $columns)
    };
}

/// "From `function` in `file`.": the line under a table in the snapshots, which pins where
/// the book says the table comes from.
pub fn source_line(source: &Source) -> String {
    format!("From `{}` in `{}`.", source.function, source.file)
}

/// Marks the provenance line that [`Report::write_tables`] puts under a table, so that the
/// book's number check can split it off (the table above it is what the snapshots pin).
pub const PROVENANCE_MARK: &str = "<small class=\"provenance\">";

/// Marks the caption line that [`Report::write_tables`] puts above a table: the table's
/// title, which states the configuration that produced it.
pub const CAPTION_MARK: &str = "<p class=\"table-caption\">";

/// `<`, `>` and `&` escaped for HTML.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The caption above a written table: the title in an HTML paragraph, then a blank line.
pub fn caption_line(title: &str) -> String {
    format!("{CAPTION_MARK}{}</p>\n\n", html_escape(title))
}

/// The line under a written table or figure: a blank line, then in a small HTML element
/// "`what` from FUNCTION in FILE, `run`" (`what` is `Table` or `Figure`; `run` says how it
/// was computed, e.g. "computed on CPU (1 thread), seed 0, by `cargo run …`."). The
/// function and file are `<code>` of classes `provenance-fn` and `provenance-file`, which
/// the book links to their listings. `<`, `>` and `&` in `run` are escaped outside its
/// backquoted spans, which stay Markdown code spans (mdBook renders them as `<code>`, verbatim).
pub fn provenance_line(what: &str, source: &Source, run: &str) -> String {
    // A backquoted span stays a Markdown code span: mdBook's smart punctuation would turn the
    // `--` of a command inside an HTML <code> into an en dash, and a reader who copies it
    // would get a command that does not run.
    let mut html = String::new();
    for (i, part) in run.split('`').enumerate() {
        if i % 2 == 1 {
            html.push('`');
            html.push_str(part);
            html.push('`');
        } else {
            html.push_str(&html_escape(part));
        }
    }
    format!(
        "\n{PROVENANCE_MARK}{what} from <code class=\"provenance-fn\">{}</code> in \
         <code class=\"provenance-file\">{}</code>, {html}</small>\n",
        html_escape(&source.function),
        html_escape(source.file)
    )
}

/// A chapter's results: its tables plus free-text findings (for example "diverged at step 7").
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The report's heading.
    pub title: String,
    /// The tables, in the order the chapter presents them.
    pub tables: Vec<Table>,
    /// One-line findings, rendered as a list after the tables.
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report.
    pub fn new(title: &str) -> Self {
        Report {
            title: title.into(),
            ..Default::default()
        }
    }

    /// A report of `tables` under `title`, e.g. a chapter's exercise solutions pinned together.
    pub fn with_tables(title: &str, tables: Vec<Table>) -> Self {
        Report {
            tables,
            ..Report::new(title)
        }
    }

    /// The table with this id, if any.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    /// The whole report as markdown: heading, each titled table, then the notes.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for t in &self.tables {
            out.push_str(&t.to_markdown_with_title());
            out.push('\n');
        }
        if !self.notes.is_empty() {
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }

    /// Writes each table to `dir/<id>.md` for `{{#include}}` in the book: its caption (the
    /// title, with the configuration; see [`caption_line`]), then the table.
    ///
    /// With `provenance` (how the numbers were computed: device, seed, command), each file
    /// ends with a small line under the table naming the table's function and file and
    /// then `provenance`; see [`provenance_line`].
    pub fn write_tables(&self, dir: &Path, provenance: Option<&str>) -> Result<()> {
        for t in &self.tables {
            let path = dir.join(format!("{}.md", t.id));
            let mut text = caption_line(&t.title);
            text.push_str(&t.to_markdown());
            if let Some(p) = provenance {
                text.push_str(&provenance_line("Table", &t.source, p));
            }
            crate::output::write(&path, text.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_read_by_column_name() {
        let mut t = crate::table!("t", "T", &["η", "steps", "verdict"]);
        t.push(vec![Cell::num(0.5, 3), 12usize.into(), "converges".into()]);
        assert_eq!(t.column("steps"), Some(1));
        assert_eq!(t.cell(0, "η"), Some(&Cell::num(0.5, 3)));
        assert_eq!(t.cell(0, "steps").and_then(Cell::value), Some(12.0));
        assert_eq!(t.cell(0, "verdict").and_then(Cell::value), None);
        assert_eq!(t.cell(0, "nope"), None);
        assert_eq!(t.cell(1, "η"), None);
    }

    #[test]
    fn written_tables_start_with_their_caption_and_end_with_their_provenance() {
        let dir = std::env::temp_dir().join(format!("lrbook-prov-{}", std::process::id()));
        let mut t = crate::table!("t", "T & <1>", &["η"]);
        t.push(vec![Cell::num(0.5, 3)]);
        let report = Report::with_tables("R", vec![t.clone()]);
        report
            .write_tables(
                &dir,
                Some("computed on CPU by `cargo run --example x -- --a <b>`."),
            )
            .unwrap();
        let text = std::fs::read_to_string(dir.join("t.md")).unwrap();
        let caption = "<p class=\"table-caption\">T &amp; &lt;1&gt;</p>\n\n";
        assert_eq!(
            text,
            format!(
                "{caption}{}\n<small class=\"provenance\">Table from <code \
                 class=\"provenance-fn\">lrbook::report::tests::\
                 written_tables_start_with_their_caption_and_end_with_their_provenance\
                 </code> in <code class=\"provenance-file\">src/report.rs</code>, computed \
                 on CPU by `cargo run --example x -- --a <b>`.</small>\n",
                t.to_markdown()
            )
        );
        report.write_tables(&dir, None).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("t.md")).unwrap(),
            format!("{caption}{}", t.to_markdown())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn significant_digits_plain_and_scientific() {
        assert_eq!(fmt_sig(0.123456, 3), "0.123");
        assert_eq!(fmt_sig(123.456, 3), "123");
        assert_eq!(fmt_sig(123456.0, 3), "123000");
        assert_eq!(fmt_sig(1234567.0, 3), "1.23e6");
        assert_eq!(fmt_sig(9.9996, 4), "10.00");
        assert_eq!(fmt_sig(0.00012345, 2), "0.00012");
        assert_eq!(fmt_sig(0.000012345, 2), "1.2e-5");
        assert_eq!(fmt_sig(-2.5e-9, 2), "-2.5e-9");
        assert_eq!(fmt_sig(2.0, 4), "2.000");
    }

    #[test]
    fn negative_zero_and_non_finite() {
        assert_eq!(fmt_sig(-0.0, 3), "0");
        assert_eq!(fmt_sig(-1e-300, 3), "-1.00e-300");
        assert_eq!(fmt_sig(f64::NAN, 3), "NaN");
        assert_eq!(fmt_sig(f64::NEG_INFINITY, 3), "-inf");
    }

    #[test]
    fn markdown_table_has_header_alignment_and_rows() {
        let mut t = crate::table!("demo", "Demo", &["name", "|η|", "steps"]);
        t.push(vec!["a|b".into(), Cell::num(0.1, 2), 7usize.into()]);
        assert_eq!(
            t.to_markdown(),
            "| name | \\|η\\| | steps |\n|:---|---:|---:|\n| a\\|b | 0.10 | 7 |\n"
        );
    }
}
