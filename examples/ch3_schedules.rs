//! Chapter 3, learning-rate schedules: prints the chapter's tables, writes them to the book's
//! `generated/ch3/` folder and draws the figures into `figures/ch3/`. Run it with
//! `cargo run --example ch3_schedules -- --quick`; `--help` lists its flags.
lrbook::chapter_main!(lrbook::chapters::ch3::Flags);
