//! Chapter 2, the Goldilocks regimes: prints the chapter's tables, writes them and the
//! slider's data to the book's `generated/ch2/` folder and draws the figures into
//! `figures/ch2/`. Run it with `cargo run --example ch2_goldilocks -- --quick`.
lrbook::chapter_main!(lrbook::chapters::ch2::Flags);
