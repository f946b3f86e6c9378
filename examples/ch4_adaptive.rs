//! Chapter 4, momentum and adaptive methods: prints the chapter's tables, writes them to the
//! book's `generated/ch4/` folder and draws the figures into `figures/ch4/`. Run it with
//! `cargo run --example ch4_adaptive -- --quick`; `--help` lists its flags.
lrbook::chapter_main!(lrbook::chapters::ch4::Flags);
