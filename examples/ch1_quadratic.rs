//! Chapter 1, quadratic convergence: prints the chapter's tables, writes them to the book's
//! `generated/ch1/` folder and draws the figures into `figures/ch1/`. Run it with
//! `cargo run --example ch1_quadratic -- --quick`; `--help` lists its flags.
lrbook::chapter_main!(lrbook::chapters::ch1::Flags);
