#!/usr/bin/env python3
"""Tests of scripts/mdbook-listings.py (stdlib unittest): python3 scripts/test_mdbook_listings.py"""
import importlib.util
import json
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "mdbook-listings.py"
spec = importlib.util.spec_from_file_location("mdbook_listings", SCRIPT)
ml = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ml)

# A small repository: a crate `my-crate` with a schedule module and a book beside it.
BASIC_RS = """\
//! Schedules.
use std::f64::consts::PI;

pub struct Cosine {
    period: f64,
}

impl Cosine {
    // ANCHOR: new
    /// A cosine schedule; the braces in "{not code}" and '{' do not count.
    pub fn new(period: f64) -> Self {
        let _ = format!("{}{{", period);
        Self { period }
    }
    // ANCHOR_END: new
}

impl<T: Into<f64>> crate::LrSchedule<T> for Cosine {
    // ANCHOR: lr
    fn lr(&self, step: usize) -> f64 {
        // ANCHOR: inner
        let t = step as f64;
        // ANCHOR_END: inner
        (1.0 + (PI * t / self.period).cos()) / 2.0
    }
    // ANCHOR_END: lr
}

// ANCHOR: free
pub fn cosine(t: f64) -> f64 {
    fn helper(x: f64) -> f64 {
        x
    }
    helper(t)
}
// ANCHOR_END: free
"""


def make_repo(tmp):
    root = Path(tmp)
    (root / "Cargo.toml").write_text('[package]\nname = "my-crate"\nversion = "0.1.0"\n')
    (root / "src" / "schedule").mkdir(parents=True)
    (root / "src" / "schedule" / "basic.rs").write_text(BASIC_RS)
    (root / "book" / "src" / "instructor").mkdir(parents=True)
    return ml.Book(root / "book")


def fence(*directives, info="rust,ignore"):
    return "```" + info + "\n" + "\n".join(directives) + "\n```\n"


class Expansion(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.book = make_repo(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def expand(self, md, chapter="ch3.md"):
        return ml.process_listings(self.book, chapter, md)

    def test_method_is_dedented_and_nested_anchor_markers_dropped(self):
        out = self.expand("Text.\n\n" + fence("{{#include ../../src/schedule/basic.rs:lr}}"))
        code = out.split("```rust,ignore\n")[1].split("\n```")[0]
        self.assertEqual(code, textwrap.dedent("""\
            fn lr(&self, step: usize) -> f64 {
                let t = step as f64;
                (1.0 + (PI * t / self.period).cos()) / 2.0
            }"""))

    def test_label_names_the_file_and_carries_id_and_functions(self):
        out = self.expand(fence("{{#include ../../src/schedule/basic.rs:lr}}"))
        first, blank, opening = out.split("\n")[:3]
        self.assertEqual(
            first,
            '<div class="listing-file" id="listing-src-schedule-basic-rs-lr" '
            'data-fns="my_crate::schedule::basic::lr my_crate::schedule::basic::Cosine::lr">'
            "<code>src/schedule/basic.rs</code></div>")
        self.assertEqual((blank, opening), ("", "```rust,ignore"))

    def test_two_includes_in_one_fence_get_one_label_and_an_anchor_each(self):
        out = self.expand(fence("{{#include ../../src/schedule/basic.rs:new}}",
                                "{{#include ../../src/schedule/basic.rs:free}}"))
        label = out.split("\n")[0]
        self.assertIn('id="listing-src-schedule-basic-rs-new"', label)
        self.assertIn('<a class="listing-anchor" id="listing-src-schedule-basic-rs-free"></a>', label)
        self.assertEqual(label.count("<code>src/schedule/basic.rs</code>"), 1)
        self.assertIn("my_crate::schedule::basic::Cosine::new", label)
        # A function nested in another is defined by the listing too.
        self.assertIn("my_crate::schedule::basic::helper", label)
        self.assertIn("\npub fn new(period: f64) -> Self {\n", out)  # dedented from the impl

    def test_a_part_of_a_function_is_marked_as_such(self):
        out = self.expand(fence("{{#include ../../src/schedule/basic.rs:inner}}"))
        self.assertIn('data-fns="~my_crate::schedule::basic::lr ~my_crate::schedule::basic::Cosine::lr"',
                      out)

    def test_the_same_listing_twice_gets_distinct_ids(self):
        md = fence("{{#include ../../src/schedule/basic.rs:free}}")
        self.expand(md, "ch1.md")
        out = self.expand(md, "ch2.md")
        self.assertIn('id="listing-src-schedule-basic-rs-free-2"', out)

    def test_instructor_page_paths_and_line_ranges(self):
        out = self.expand(fence("{{#include ../../../src/schedule/basic.rs:4:6}}"),
                          "instructor/ch3.md")
        self.assertIn('id="listing-src-schedule-basic-rs-l4-6"', out)
        self.assertIn("```rust,ignore\npub struct Cosine {\n    period: f64,\n}\n```", out)

    def test_whole_file_drops_every_marker(self):
        out = self.expand(fence("{{#include ../../src/schedule/basic.rs}}"))
        self.assertNotIn("ANCHOR", out)
        self.assertIn("//! Schedules.", out)
        self.assertIn('id="listing-src-schedule-basic-rs"', out)

    def test_includes_outside_fences_and_escaped_ones_are_left_to_mdbook(self):
        md = "{{#include generated/ch3/table.md}}\n\n" + fence("\\{{#include x.rs}}", info="text")
        self.assertEqual(self.expand(md), md)

    def test_rustdoc_include_hides_the_rest(self):
        out = self.expand(fence("{{#rustdoc_include ../../src/schedule/basic.rs:free}}"))
        self.assertIn("# //! Schedules.\n", out)
        self.assertIn("\npub fn cosine(t: f64) -> f64 {\n", out)
        self.assertNotIn("ANCHOR", out)

    def test_missing_anchor_names_chapter_line_and_directive(self):
        with self.assertRaises(ml.ListingError) as e:
            self.expand("Intro.\n\n" + fence("{{#include ../../src/schedule/basic.rs:nope}}"))
        self.assertEqual(
            str(e.exception),
            "ch3.md:4: {{#include ../../src/schedule/basic.rs:nope}}: "
            "src/schedule/basic.rs has no anchor 'nope' (no `// ANCHOR: nope` line)")

    def test_missing_file_is_an_error(self):
        with self.assertRaises(ml.ListingError) as e:
            self.expand(fence("{{#include ../../src/gone.rs:x}}"))
        self.assertTrue(str(e.exception).startswith(
            "ch3.md:2: {{#include ../../src/gone.rs:x}}: no file ../../src/gone.rs"), e.exception)


class CommentWrap(unittest.TestCase):
    def test_long_whole_line_comments_wrap_with_their_indent_and_marker(self):
        lines = ["    /// The learning rate at `step`, which every schedule in the library computes from"
                 " its own closed form.",
                 "/// - a list item whose text runs on past the edge of the code box, far past it, and on",
                 "let lr = schedule.lr(step); // a trailing comment stays on its line, however long it runs",
                 "/// ```",
                 "/// let a_doc_example_line_is_code = and_code_is_never_wrapped(even_when_it_is_long, x);",
                 "/// ```",
                 "/// | a table row | in a doc comment | is left whole, since a break would split the row |"]
        self.assertEqual(ml.wrap_comments(lines, width=80), [
            "    /// The learning rate at `step`, which every schedule in the library",
            "    /// computes from its own closed form.",
            "/// - a list item whose text runs on past the edge of the code box, far past it,",
            "///   and on",
        ] + lines[2:])

    def test_a_paragraph_is_refilled_whole_and_short_ones_are_left_alone(self):
        lines = ["        // AMSGrad: the stored maximum of v never shrinks; the bias correction still",
                 "        // divides it, so the denominator itself can shrink (as in PyTorch).",
                 "        //",
                 "        // A short paragraph",
                 "        // stays as written.",
                 "        let v = 1;"]
        self.assertEqual(ml.wrap_comments(lines, width=80), [
            "        // AMSGrad: the stored maximum of v never shrinks; the bias correction",
            "        // still divides it, so the denominator itself can shrink (as in",
            "        // PyTorch).",
        ] + lines[2:])
        for line in ml.wrap_comments(lines[:2], width=80):
            self.assertLessEqual(len(line), 80)


class Mapping(unittest.TestCase):
    def test_module_paths(self):
        self.assertEqual(ml.module_path("src/chapters/ch3/comparison.rs", "lrbook"),
                         "lrbook::chapters::ch3::comparison")
        self.assertEqual(ml.module_path("src/finder/mod.rs", "lrbook"), "lrbook::finder")
        self.assertEqual(ml.module_path("src/lib.rs", "lrbook"), "lrbook")
        self.assertEqual(ml.module_path("src/batch.rs", "lrbook"), "lrbook::batch")
        self.assertIsNone(ml.module_path("examples/use_as_library.rs", "lrbook"))
        self.assertIsNone(ml.module_path("bench/train_step.rs", "lrbook"))

    def test_impl_headers(self):
        self.assertEqual(ml.impl_type("impl<S: Into<f64>> LrSchedule for Warmup<S> {"), "Warmup")
        self.assertEqual(ml.impl_type("impl Cosine {"), "Cosine")
        self.assertEqual(ml.impl_type("impl<'a> Iterator for Steps<'a> where S: Clone {"), "Steps")

    def test_functions_of_trait_and_inline_module(self):
        lines = textwrap.dedent("""\
            pub trait Schedule {
                fn lr(&self) -> f64;
            }
            mod inner {
                pub fn helper() {}
            }
            """).split("\n")
        self.assertEqual(ml.defined_fns(lines, range(len(lines)), "c::m"),
                         ["c::m::lr", "c::m::Schedule::lr", "c::m::inner::helper"])


class Links(unittest.TestCase):
    LABEL = ('<div class="listing-file" id="listing-src-x-rs-run" data-fns="lrbook::x::run">'
             "<code>src/x.rs</code></div>\n\n```rust,ignore\npub fn run() {}\n```\n")
    LINE = ('<small class="provenance">Table from <code class="provenance-fn">lrbook::x::run</code> '
            'in <code class="provenance-file">src/x.rs</code>.</small>')

    def index(self):
        later = self.LABEL.replace("listing-src-x-rs-run", "listing-src-x-rs-run-2")
        return ml.listing_index([("ch3-schedules.md", self.LABEL), ("ch5.md", later)])

    def test_chapter_page_links_within_the_page(self):
        out = ml.link_provenance(self.index(), "ch3-schedules.md", self.LINE)
        self.assertIn('Table from <a class="provenance-link" href="#listing-src-x-rs-run">'
                      '<code class="provenance-fn">lrbook::x::run</code></a> in', out)

    def test_other_and_instructor_pages_link_to_the_first_listing(self):
        out = ml.link_provenance(self.index(), "ch5.md", self.LINE)
        self.assertIn('href="ch3-schedules.html#listing-src-x-rs-run"', out)
        out = ml.link_provenance(self.index(), "instructor/ch3.md", self.LINE)
        self.assertIn('href="../ch3-schedules.html#listing-src-x-rs-run"', out)
        out = ml.link_provenance(self.index(), "instructor/README.md", self.LINE)
        self.assertIn('href="../ch3-schedules.html#listing-src-x-rs-run"', out)

    def test_a_whole_function_wins_over_an_earlier_part_of_it(self):
        part = self.LABEL.replace('data-fns="lrbook::x::run"', 'data-fns="~lrbook::x::run"')
        index = ml.listing_index([("ch1.md", part), ("ch2.md", self.LABEL)])
        self.assertEqual(index["lrbook::x::run"], ("ch2.html", "listing-src-x-rs-run"))
        index = ml.listing_index([("ch1.md", part)])
        self.assertEqual(index["lrbook::x::run"], ("ch1.html", "listing-src-x-rs-run"))

    def test_unknown_function_fenced_and_linked_lines_are_left_alone(self):
        # (A function and a file no listing shows: the file of a shown one is linked, FileLinks.)
        unknown = self.LINE.replace("lrbook::x::run", "lrbook::y::other").replace("src/x.rs", "src/y.rs")
        self.assertEqual(ml.link_provenance(self.index(), "ch5.md", unknown), unknown)
        fenced = "```html\n" + self.LINE + "\n```"
        self.assertEqual(ml.link_provenance(self.index(), "ch5.md", fenced), fenced)
        once = ml.link_provenance(self.index(), "ch5.md", self.LINE)
        self.assertEqual(ml.link_provenance(self.index(), "ch5.md", once), once)


class FileLinks(unittest.TestCase):
    LABEL = Links.LABEL
    LINE = Links.LINE.replace("lrbook::x::run", "lrbook::x::table")

    def test_the_file_links_to_a_listing_of_it_on_the_same_page_first(self):
        later = self.LABEL.replace("listing-src-x-rs-run", "listing-src-x-rs-run-2")
        index = ml.listing_index([("ch3.md", self.LABEL), ("ch5.md", later)])
        out = ml.link_provenance(index, "ch5.md", self.LINE)
        self.assertIn('<a class="provenance-link" href="#listing-src-x-rs-run-2">'
                      '<code class="provenance-file">src/x.rs</code></a>', out)
        self.assertIn('<code class="provenance-fn">lrbook::x::table</code> in', out)  # no listing
        out = ml.link_provenance(index, "instructor/ch1.md", self.LINE)
        self.assertIn('href="../ch3.html#listing-src-x-rs-run"><code class="provenance-file">', out)

    def test_a_file_no_listing_shows_is_left_alone_and_linking_twice_changes_nothing(self):
        index = ml.listing_index([("ch3.md", self.LABEL)])
        other = self.LINE.replace("src/x.rs", "src/y.rs")
        self.assertEqual(ml.link_provenance(index, "ch3.md", other), other)
        once = ml.link_provenance(index, "ch3.md", self.LINE)
        self.assertNotEqual(once, self.LINE)
        self.assertEqual(ml.link_provenance(index, "ch3.md", once), once)


class Protocol(unittest.TestCase):
    """The script as mdBook 0.5 calls it: `supports`, then [context, book] on stdin."""

    def call(self, args, stdin=""):
        return subprocess.run([sys.executable, str(SCRIPT)] + args, input=stdin,
                              capture_output=True, text=True)

    def test_both_passes_end_to_end(self):
        self.assertEqual(self.call(["supports", "html"]).returncode, 0)
        with tempfile.TemporaryDirectory() as tmp:
            make_repo(tmp)
            chapter = {"name": "Ch3", "content": fence("{{#include ../../src/schedule/basic.rs:free}}"),
                       "number": [1], "sub_items": [], "path": "ch3.md", "source_path": "ch3.md",
                       "parent_names": []}
            guide = dict(chapter, content=Links.LINE.replace("lrbook::x::run", "my_crate::schedule::basic::cosine"),
                         path="instructor/ch3.md", source_path="instructor/ch3.md")
            book = {"items": [{"Chapter": chapter}, "Separator", {"PartTitle": "Guide"}, {"Chapter": guide}]}
            context = {"root": str(Path(tmp) / "book"), "config": {"book": {"src": "src"}},
                       "renderer": "html", "mdbook_version": "0.5.4"}
            first = self.call([], json.dumps([context, book]))
            self.assertEqual(first.returncode, 0, first.stderr)
            second = self.call(["--links"], json.dumps([context, json.loads(first.stdout)]))
            self.assertEqual(second.returncode, 0, second.stderr)
            items = json.loads(second.stdout)["items"]
            self.assertIn("\npub fn cosine(t: f64) -> f64 {\n", items[0]["Chapter"]["content"])
            self.assertIn('href="../ch3.html#listing-src-schedule-basic-rs-free"', items[3]["Chapter"]["content"])

            chapter["content"] = fence("{{#include ../../src/schedule/basic.rs:nope}}")
            bad = self.call([], json.dumps([context, book]))
            self.assertEqual(bad.returncode, 1)
            self.assertIn("mdbook-listings: error: ch3.md:2: {{#include ../../src/schedule/basic.rs:nope}}",
                          bad.stderr)


if __name__ == "__main__":
    unittest.main()
