#!/usr/bin/env python3
"""mdBook preprocessor: listings that read well, and provenance lines that link to them.

Registered twice in book/book.toml (mdBook 0.5 preprocessor protocol: called once with
`supports <renderer>`, then with `[context, book]` JSON on stdin; prints the book JSON).

Pass 1 (no argument; runs before mdBook's `links`): expands every `{{#include path}}`,
`{{#include path:anchor}}`, `{{#include path:N:M}}` and `{{#rustdoc_include …}}` that stands
on its own line inside a code fence:
  - the anchored lines (or the line range, or the whole file), with every `ANCHOR:` /
    `ANCHOR_END:` comment line dropped (nested anchors of other names too, as mdBook does;
    unlike mdBook, also for ranges and whole files: a marker is never part of a listing);
  - dedented: the common leading whitespace removed, so a method shows without its
    impl-block indentation;
  - a comment paragraph with a line over 82 characters refilled at 82 (same indentation
    and marker), so that prose fits the code box at desktop width;
  - with a file label above the fence, `<div class="listing-file" id="listing-…">`, naming
    the file relative to the repository root. The label carries `data-fns`: the paths of the
    functions the listing defines (`lrbook::module::name`, and `lrbook::module::Type::name`
    for methods and trait items), which pass 2 reads.
A missing file or anchor stops the build with an error naming the chapter, the line and the
directive. Includes outside code fences (the generated tables, the claim ledgers) are left
to mdBook's `links` preprocessor.

Pass 2 (`--links`; runs after `links`, so it sees the included provenance lines): wraps every
`<code class="provenance-fn">PATH</code>` in a relative link to the first listing, in book
order, that defines PATH, and every `<code class="provenance-file">FILE</code>` in a link to
a listing from FILE (on the same page where there is one). Where no listing shows the
function or file it is left unlinked (the command on the same line is the fallback).

Stdlib only. Tests: scripts/test_mdbook_listings.py.
"""
import html
import json
import os
import posixpath
import re
import sys
import textwrap
from pathlib import Path

PROG = "mdbook-listings"

FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
DIRECTIVE = re.compile(r"^(\s*)\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}\s*$")
ANCHOR_START = re.compile(r"ANCHOR:\s*(?P<name>[\w_-]+)")
ANCHOR_END = re.compile(r"ANCHOR_END:\s*(?P<name>[\w_-]+)")
LABEL = re.compile(r'<div class="listing-file" id="([^"]+)" data-fns="([^"]*)">(.*?)</div>')
PROVENANCE_FN = re.compile(r'(<a\b[^>]*>\s*)?<code class="provenance-fn">([^<]+)</code>')
PROVENANCE_FILE = re.compile(r'(<a\b[^>]*>\s*)?<code class="provenance-file">([^<]+)</code>')


class ListingError(Exception):
    """A directive that cannot be expanded; the message names chapter, line and directive."""


# ---------------------------------------------------------------------------------------
# Selecting lines, like mdBook's links preprocessor.


def parse_range_or_anchor(spec):
    """The part after the file name, as mdBook reads it: None (whole file), an anchor name,
    or a (start, end) pair of 0-based line indices, end exclusive or None (to the end)."""
    if spec is None:
        return None
    parts = spec.split(":", 2)
    first = parts[0]
    if first.isdigit():
        start = max(int(first) - 1, 0)
    elif first == "":
        start = 0
    else:
        return first
    if len(parts) == 1:
        return (start, start + 1)
    return (start, int(parts[1])) if parts[1].isdigit() else (start, None)


def is_marker(line):
    return bool(ANCHOR_START.search(line) or ANCHOR_END.search(line))


def anchored_lines(lines, anchor):
    """Indices of the lines between `ANCHOR: anchor` and `ANCHOR_END: anchor`, without any
    anchor marker lines; None when the anchor does not exist."""
    out, inside, found = [], False, False
    for i, line in enumerate(lines):
        if not inside:
            m = ANCHOR_START.search(line)
            if m and m.group("name") == anchor:
                inside = found = True
            continue
        m = ANCHOR_END.search(line)
        if m and m.group("name") == anchor:
            break
        if not is_marker(line):
            out.append(i)
    return out if found else None


def dedent(text):
    """The common leading whitespace removed from every line (blank lines emptied)."""
    return textwrap.dedent(text)


# The code box shows 82 characters at desktop width (694 px of 14 px monospace, 8.4 px
# each, in mdBook's 750 px column); rustfmt allows comments of 100. A comment paragraph
# with a line longer than this is refilled at this width, keeping its indentation and
# comment marker, so prose reads without scrolling and stays aligned with its code. The
# words are the source's; code, trailing comments, and a doc comment's code blocks, tables
# and headings are left as they are.
WRAP_COMMENTS_AT = 82
COMMENT = re.compile(r"^(\s*)(//[/!]?)( ?)(.*)$")
LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)]) ")


def wrap_comments(lines, width=WRAP_COMMENTS_AT):
    """`lines` with every whole-line comment paragraph that has a line over `width` refilled.

    A paragraph is a run of comment lines with the same indentation and marker; it ends at an
    empty comment line, a code line, a new list item, a code fence, a table row or a heading."""
    out, i, in_doc_code = [], 0, False
    while i < len(lines):
        m = COMMENT.match(lines[i])
        body = m.group(4) if m else ""
        if m and body.lstrip().startswith("```"):
            in_doc_code = not in_doc_code
        if not m or in_doc_code or not body.strip() or body.lstrip().startswith(("```", "|", "#")):
            out.append(lines[i])
            i += 1
            continue
        indent, marker, space = m.group(1), m.group(2), m.group(3)
        hanging = body[: len(body) - len(body.lstrip())]
        item = LIST_ITEM.match(body.lstrip())
        follow = hanging + " " * (item.end() if item else 0)
        j = i + 1
        while j < len(lines):
            n = COMMENT.match(lines[j])
            if not n or n.group(1, 2, 3) != (indent, marker, space):
                break
            nbody = n.group(4)
            rest = nbody[len(follow):]
            if (not nbody.strip() or not nbody.startswith(follow) or rest.startswith(" ")
                    or LIST_ITEM.match(rest) or rest.startswith(("```", "|", "#"))):
                break  # a new paragraph, list item or block
            j += 1
        if all(len(line) <= width for line in lines[i:j]):
            out.extend(lines[i:j])
        else:
            lead = f"{indent}{marker}{space}"
            text = " ".join(COMMENT.match(line).group(4).strip() for line in lines[i:j])
            out.extend(lead + part for part in textwrap.wrap(
                text, width=max(width - len(lead), 20), initial_indent=hanging,
                subsequent_indent=follow, break_long_words=False, break_on_hyphens=False))
        i = j
    return out


# ---------------------------------------------------------------------------------------
# Which functions a listing defines.


def module_path(rel, crate):
    """The module a repository file defines: src/lib.rs -> crate, src/a/mod.rs -> crate::a,
    src/a/b.rs -> crate::a::b. None for files outside the library (examples, benches)."""
    p = Path(rel)
    if p.parts[:1] != ("src",) or p.suffix != ".rs" or p.parts[1:2] == ("bin",):
        return None
    parts = list(p.with_suffix("").parts[1:])
    if parts in (["lib"], ["main"]):
        return crate if parts == ["lib"] else None
    if parts[-1] == "mod":
        parts = parts[:-1]
    return "::".join([crate] + parts)


STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])\'')
FN = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")
IMPL = re.compile(r"^\s*(?:unsafe\s+)?impl\b")
TRAIT = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?trait\s+([A-Za-z_][A-Za-z0-9_]*)")
MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")


def strip_generics(s):
    """`s` with every balanced <...> removed."""
    out, depth = [], 0
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def impl_type(code):
    """The type an `impl` header implements for: `impl<T> Tr<T> for Foo<T> {` -> Foo."""
    rest = strip_generics(IMPL.sub("", code, count=1))
    rest = rest.split("{")[0].split(" where ")[0]
    if re.search(r"\bfor\b", rest):
        rest = re.split(r"\bfor\b", rest)[-1]
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", rest.strip().rstrip(":").strip())
    return m.group(1) if m else None


def defined_fns(lines, selected, module):
    """The functions a listing shows, from `selected` (indices into the whole file `lines`).

    Those whose `fn` line is selected: `module::name` at any depth, and `module::Type::name`
    inside an `impl` or `trait` block (the block is found in the whole file, since a listing
    often shows only a method). Then, prefixed with `~`, those the listing shows only part of
    (a loop or a match arm from a function's body): pass 2 links to such a part only where no
    listing shows the whole function."""
    selected = set(selected)
    names = []
    scopes = []  # (kind, name, depth at which its block opened); kind: mod, type or fn
    depth, pending = 0, None

    def paths(name, prefix=""):
        mods = [n for k, n, _ in scopes if k == "mod"]
        base = "::".join([module] + mods)
        types = [n for k, n, _ in scopes if k == "type" and n]
        return [f"{prefix}{base}::{name}"] + ([f"{prefix}{base}::{types[-1]}::{name}"] if types else [])

    for i, raw in enumerate(lines):
        # Strings first (a brace or `//` inside one is not code), then the line comment.
        code = STRING.sub('""', raw).split("//", 1)[0]
        if IMPL.match(code):
            pending = ("type", impl_type(code))
        elif TRAIT.match(code):
            pending = ("type", TRAIT.match(code).group(1))
        elif MOD.match(code):
            pending = ("mod", MOD.match(code).group(1))
        fns = FN.findall(code)
        if i in selected:
            for name in fns:
                names.extend(paths(name))
            if not fns and code.strip():
                inner = [(k, n) for k, n, _ in scopes if k == "fn"]
                if inner:
                    # Paths of the innermost function, with the scopes outside it.
                    outer = scopes[: max(j for j, sc in enumerate(scopes) if sc[0] == "fn")]
                    saved, scopes = scopes, outer
                    names.extend(paths(inner[-1][1], "~"))
                    scopes = saved
        if fns:
            pending = ("fn", fns[-1])
        for ch in code:
            if ch == "{":
                depth += 1
                if pending:
                    scopes.append((pending[0], pending[1], depth))
                    pending = None
            elif ch == "}":
                if scopes and scopes[-1][2] == depth:
                    scopes.pop()
                depth -= 1
        if pending and code.rstrip().endswith(";"):
            pending = None  # a declaration without a body: `fn lr(&self) -> f64;`
    whole = {n for n in names if not n.startswith("~")}
    return [n for n in dict.fromkeys(names) if not n.startswith("~") or n[1:] not in whole]


# ---------------------------------------------------------------------------------------
# Pass 1: expand listings and label them.


class Book:
    """Where things are: the repository root, the book's src folder, the crate name."""

    def __init__(self, book_root, src="src"):
        # Normalized, not resolved: a symlinked folder keeps its place in the repository.
        self.book_root = Path(os.path.abspath(book_root))
        self.src = self.book_root / src
        repo = self.book_root
        while repo != repo.parent and not (repo / "Cargo.toml").exists():
            repo = repo.parent
        self.repo = repo if (repo / "Cargo.toml").exists() else self.book_root.parent
        self.crate = "crate"
        cargo = self.repo / "Cargo.toml"
        if cargo.exists():
            m = re.search(r'^\[package\][^\[]*?^name\s*=\s*"([^"]+)"', cargo.read_text(), re.M | re.S)
            if m:
                self.crate = m.group(1).replace("-", "_")
        self.used_ids = set()  # listing ids over the whole book, so print.html has no duplicates

    def unique_id(self, base):
        n, candidate = 1, base
        while candidate in self.used_ids:
            n += 1
            candidate = f"{base}-{n}"
        self.used_ids.add(candidate)
        return candidate


def slug(s):
    return re.sub(r"[^A-Za-z0-9_]+", "-", s).strip("-").lower()


def expand_directive(book, chapter_path, lineno, directive_line, m):
    """(text, repo-relative path, id base, fn paths) for one include directive."""
    indent, kind, target = m.group(1), m.group(2), m.group(3)
    where = f"{chapter_path}:{lineno}: {directive_line.strip()}"
    file_part, _, spec = target.partition(":")
    spec = spec if ":" in target else None
    path = Path(os.path.normpath(book.src / Path(chapter_path).parent / file_part))
    if not path.is_file():
        raise ListingError(f"{where}: no file {file_part} (looked for {path})")
    try:
        rel = path.relative_to(book.repo).as_posix()
    except ValueError:
        rel = path.as_posix()
    lines = path.read_text().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    sel = parse_range_or_anchor(spec)
    if sel is None:
        chosen = [i for i, line in enumerate(lines) if not is_marker(line)]
        id_base = f"listing-{slug(rel)}"
    elif isinstance(sel, str):
        chosen = anchored_lines(lines, sel)
        if chosen is None:
            raise ListingError(f"{where}: {rel} has no anchor '{sel}' (no `// ANCHOR: {sel}` line)")
        id_base = f"listing-{slug(rel)}-{slug(sel)}"
    else:
        start, end = sel
        end = len(lines) if end is None else min(end, len(lines))
        if start >= len(lines) or start >= end:
            raise ListingError(f"{where}: line range is empty ({rel} has {len(lines)} lines)")
        chosen = [i for i in range(start, end) if not is_marker(lines[i])]
        id_base = f"listing-{slug(rel)}-l{start + 1}-{end}"
    if not chosen:
        raise ListingError(f"{where}: the listing is empty")
    if kind == "rustdoc_include":
        # mdBook's rustdoc_include: the whole file, lines outside the selection hidden with `# `.
        shown = set(chosen)
        body = dedent("\n".join(lines[i] for i in chosen)).split("\n")
        it = iter(body)
        text_lines = [next(it) if i in shown else "# " + lines[i] for i, _ in enumerate(lines)
                      if i in shown or not is_marker(lines[i])]
    else:
        text_lines = wrap_comments(dedent("\n".join(lines[i] for i in chosen)).split("\n"))
    text = "\n".join(indent + t if t else t for t in text_lines)
    module = module_path(rel, book.crate)
    fns = defined_fns(lines, chosen, module) if module else []
    return text, rel, id_base, fns


def label_html(book, listings, indent):
    """The file label above a fence: the first listing's id on the div, the others as empty
    anchors inside it, every function it defines in data-fns."""
    ids = [book.unique_id(id_base) for _, _, id_base, _ in listings]
    files = list(dict.fromkeys(rel for _, rel, _, _ in listings))
    fns = list(dict.fromkeys(f for *_, fs in listings for f in fs))
    extra = "".join(f'<a class="listing-anchor" id="{i}"></a>' for i in ids[1:])
    names = ", ".join(f"<code>{html.escape(f)}</code>" for f in files)
    return f'{indent}<div class="listing-file" id="{ids[0]}" data-fns="{" ".join(fns)}">{extra}{names}</div>'


def closes(fence, line):
    """Whether `line` closes a code block opened by `fence` (same character, at least as many)."""
    return re.match(r"^\s*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", line) is not None


def process_listings(book, chapter_path, content):
    """Chapter markdown with every in-fence include expanded, dedented and labelled."""
    lines = content.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent, fence = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not closes(fence, lines[j]):
            j += 1
        body, listings = [], []
        for k in range(i + 1, j):
            d = DIRECTIVE.match(lines[k])
            if d:
                text, rel, id_base, fns = expand_directive(book, chapter_path, k + 1, lines[k], d)
                listings.append((text, rel, id_base, fns))
                body.append(text)
            else:
                body.append(lines[k])
        if listings:
            out.append(label_html(book, listings, indent))
            out.append("")
        out.append(lines[i])
        out.extend(body)
        if j < len(lines):
            out.append(lines[j])
        i = j + 1
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Pass 2: link provenance lines to the listings.


def html_path(chapter_path):
    p = posixpath.splitext(chapter_path)[0]
    if posixpath.basename(p) == "README":
        p = posixpath.join(posixpath.dirname(p), "index")
    return p + ".html"


def listing_index(chapters):
    """fn path -> (page, listing id): the first listing in book order that shows the whole
    function, else the first that shows part of it. Also, for every file a listing comes
    from, ("file", path) -> the first listing of it in book order, and ("file", path, page)
    -> the first listing of it on that page."""
    index = {}
    for partial in (False, True):  # a listing of the whole function before one of a part
        for path, content in chapters:
            for m in LABEL.finditer(content):
                for fn in m.group(2).split():
                    if fn.startswith("~") == partial:
                        index.setdefault(fn.lstrip("~"), (html_path(path), m.group(1)))
    for path, content in chapters:
        for m in LABEL.finditer(content):
            for name in re.findall(r"<code>([^<]+)</code>", m.group(3)):
                where = (html_path(path), m.group(1))
                index.setdefault(("file", html.unescape(name)), where)
                index.setdefault(("file", html.unescape(name), where[0]), where)
    return index


def link_provenance(index, chapter_path, content):
    """Every `<code class="provenance-fn">PATH</code>` outside code fences, wrapped in a
    relative link to its listing where the book has one; every
    `<code class="provenance-file">FILE</code>` in a link to a listing from that file (on the
    same page if there is one there, else the first in the book)."""
    here = html_path(chapter_path)

    def href(page, ident):
        rel = "" if page == here else posixpath.relpath(page, posixpath.dirname(here) or ".")
        return f"{rel}#{ident}"

    def wrap_fn(m):
        if m.group(1) or m.group(2).strip() not in index:
            return m.group(0)
        return f'<a class="provenance-link" href="{href(*index[m.group(2).strip()])}">{m.group(0)}</a>'

    def wrap_file(m):
        name = html.unescape(m.group(2).strip())
        where = index.get(("file", name, here)) or index.get(("file", name))
        if m.group(1) or not where:
            return m.group(0)
        return f'<a class="provenance-link" href="{href(*where)}">{m.group(0)}</a>'

    out, fence = [], None
    for line in content.split("\n"):
        m = FENCE_OPEN.match(line)
        if fence is None and m:
            fence = m.group(2)
        elif fence and closes(fence, line):
            fence = None
        elif fence is None:
            line = PROVENANCE_FILE.sub(wrap_file, PROVENANCE_FN.sub(wrap_fn, line))
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# The mdBook protocol.


def chapters_of(items):
    """Every chapter dict with content and a path, in book order (depth first)."""
    for item in items:
        if isinstance(item, dict) and "Chapter" in item:
            ch = item["Chapter"]
            if ch.get("path") is not None:
                yield ch
            yield from chapters_of(ch.get("sub_items", []))


def run(context, book_json, links):
    items = book_json.get("items", book_json.get("sections", []))
    if links:
        chapters = list(chapters_of(items))
        index = listing_index([(c["path"], c["content"]) for c in chapters])
        for c in chapters:
            c["content"] = link_provenance(index, c["path"], c["content"])
    else:
        src = context.get("config", {}).get("book", {}).get("src", "src")
        book = Book(context["root"], src)
        for c in chapters_of(items):
            c["content"] = process_listings(book, c["path"], c["content"])
    return book_json


def main(argv):
    links = "--links" in argv
    args = [a for a in argv if a != "--links"]
    if args[:1] == ["supports"]:
        return 0  # plain markdown and HTML: every renderer
    context, book_json = json.load(sys.stdin)
    try:
        out = run(context, book_json, links)
    except ListingError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
