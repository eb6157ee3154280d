//! What a browser downloads for the shell: the WASM, JS and CSS that cargo-leptos put in
//! target/site/pkg, raw, gzip -9 and brotli -11. Run through `make size`, which builds
//! release first; a debug build's figures are printed too but mean little.

use std::{io::Write, path::Path};

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in-memory write");
    encoder.finish().expect("in-memory write").len()
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in-memory write");
    out.len()
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn main() {
    let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg");
    let files = ["kfdash.wasm", "kfdash.js", "kfdash.css"];
    println!(
        "{:<14} {:>12} {:>12} {:>12}",
        "file", "raw", "gzip -9", "brotli -11"
    );
    let mut totals = [0usize; 3];
    for name in files {
        let path = pkg.join(name);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "{} is missing: build first (make size builds release)",
                path.display()
            );
            std::process::exit(1);
        };
        let sizes = [bytes.len(), gzip(&bytes), brotli(&bytes)];
        for (total, size) in totals.iter_mut().zip(sizes) {
            *total += size;
        }
        println!(
            "{:<14} {:>12} {:>12} {:>12}",
            name,
            kib(sizes[0]),
            kib(sizes[1]),
            kib(sizes[2])
        );
    }
    println!(
        "{:<14} {:>12} {:>12} {:>12}",
        "total",
        kib(totals[0]),
        kib(totals[1]),
        kib(totals[2])
    );
}
