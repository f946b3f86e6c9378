//! Where a table or a figure of the book comes from: the function that built it and its
//! source file. Every [`crate::report::Table`] carries one (made by [`crate::table!`]); every
//! figure file is written while a drawing function holds a [`Drawing`] guard (made by
//! [`crate::drawing!`]), which records the function for each file written under it. The line
//! under each table and figure in the book names them, with the command that reruns them.
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// The function that produced a table or figure, and the file it is defined in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// The function's full path, e.g. `lrbook::chapters::ch3::comparison::comparison_table`;
    /// a method's is its type's path and its name (`lrbook::chapters::ch3::warmup::Warmup::solve`).
    pub function: String,
    /// Its file, relative to the repository root, e.g. `src/chapters/ch3/comparison.rs`.
    #[serde(deserialize_with = "crate::run_cache::leak_str")]
    pub file: crate::run_cache::StaticName,
}

impl Source {
    /// The source of the function enclosing `marker`, a `fn` item declared inside it: its
    /// type name less the marker's own name and any `{{closure}}` segments, with a trait
    /// method's `<Type as Trait>::method` written `Type::method`. Use [`crate::here!`].
    pub fn enclosing(marker_type_name: &str, file: &'static str) -> Source {
        let mut function = marker_type_name
            .rsplit_once("::")
            .map_or(marker_type_name, |(outer, _marker)| outer);
        while let Some(outer) = function.strip_suffix("::{{closure}}") {
            function = outer;
        }
        let function = match function.strip_prefix('<').and_then(|f| f.split_once(">::")) {
            Some((qualified, method)) => {
                let ty = qualified.split_once(" as ").map_or(qualified, |(ty, _)| ty);
                format!("{ty}::{method}")
            }
            None => function.to_string(),
        };
        Source { function, file }
    }
}

/// The [`Source`] of the function this macro is written in: `lrbook::here!()`.
#[macro_export]
macro_rules! here {
    () => {{
        fn marker() {}
        $crate::provenance::Source::enclosing(::std::any::type_name_of_val(&marker), file!())
    }};
}

thread_local! {
    /// The drawing functions now running on this thread, innermost last.
    static DRAWING: RefCell<Vec<Source>> = const { RefCell::new(Vec::new()) };
    /// Every file written under a [`Drawing`] guard on this thread, with its function.
    static DRAWN: RefCell<Vec<(PathBuf, Source)>> = const { RefCell::new(Vec::new()) };
}

/// Held by a drawing function while it runs: every file written meanwhile (through
/// [`crate::output::write`]) is recorded as drawn by it. Make one with [`crate::drawing!`] as
/// the first line of each function that draws a figure of the book.
#[must_use = "the guard records the drawing function only while it is held"]
pub struct Drawing(());

impl Drawing {
    /// Marks `source` as the drawing function until the guard is dropped.
    pub fn begin(source: Source) -> Drawing {
        DRAWING.with(|d| d.borrow_mut().push(source));
        Drawing(())
    }
}

impl Drop for Drawing {
    fn drop(&mut self) {
        DRAWING.with(|d| d.borrow_mut().pop());
    }
}

/// `let _drawing = lrbook::drawing!();`: files written until the end of the enclosing
/// function are recorded as drawn by it (see [`Drawing`]).
#[macro_export]
macro_rules! drawing {
    () => {
        $crate::provenance::Drawing::begin($crate::here!())
    };
}

/// Records that `path` was written now, under the innermost [`Drawing`] guard if any.
pub(crate) fn record_write(path: &Path) {
    if let Some(source) = DRAWING.with(|d| d.borrow().last().cloned()) {
        DRAWN.with(|d| {
            let mut drawn = d.borrow_mut();
            drawn.retain(|(p, _)| p != path);
            drawn.push((path.to_path_buf(), source));
        });
    }
}

/// The drawing function that wrote `path` on this thread, if it was written under a guard.
pub fn drawn_by(path: &Path) -> Option<Source> {
    DRAWN.with(|d| {
        d.borrow()
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .map(|(_, s)| s.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builds_something() -> Source {
        let inner = || crate::here!();
        inner()
    }

    trait Named {
        fn source(&self) -> Source;
    }
    struct Thing;
    impl Named for Thing {
        fn source(&self) -> Source {
            crate::here!()
        }
    }

    #[test]
    fn here_names_the_enclosing_function_and_file() {
        assert_eq!(
            builds_something(),
            Source {
                function: "lrbook::provenance::tests::builds_something".into(),
                file: "src/provenance.rs"
            }
        );
        assert_eq!(
            Thing.source().function,
            "lrbook::provenance::tests::Thing::source"
        );
    }

    #[test]
    fn files_are_recorded_under_the_innermost_guard_only() {
        fn outer(dir: &Path) {
            let _drawing = crate::drawing!();
            crate::output::write(&dir.join("a.svg"), b"a").unwrap();
            inner(dir);
            crate::output::write(&dir.join("c.svg"), b"c").unwrap();
        }
        fn inner(dir: &Path) {
            let _drawing = crate::drawing!();
            crate::output::write(&dir.join("b.svg"), b"b").unwrap();
        }
        let dir = std::env::temp_dir().join(format!("lrbook-drawn-{}", std::process::id()));
        outer(&dir);
        crate::output::write(&dir.join("d.svg"), b"d").unwrap();
        let by = |f: &str| drawn_by(&dir.join(f)).map(|s| s.function);
        let outer_fn =
            "lrbook::provenance::tests::files_are_recorded_under_the_innermost_guard_only::outer"
                .to_string();
        assert_eq!(by("a.svg"), Some(outer_fn.clone()));
        assert_eq!(by("b.svg"), Some(outer_fn.replace("::outer", "::inner")));
        assert_eq!(by("c.svg"), Some(outer_fn));
        assert_eq!(by("d.svg"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
