//! Chapter 5, batch size and the learning rate: prints the chapter's tables, writes them to
//! the book's `generated/ch5/` folder and draws the figures into `figures/ch5/`. Run it with
//! `cargo run --example ch5_batch_scaling -- --quick`; `--help` lists its flags.
lrbook::chapter_main!(lrbook::chapters::ch5::Flags);
