//! Micro-benchmarks of the hot paths of `add`: the mixed-script analyser and
//! the chunker, on text built from the samples folder.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tantivy::tokenizer::TokenStream;
use whisker_ingest::{ChunkOptions, Limits, chunk, extract};

fn sample(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name);
    let bytes = std::fs::read(&path).expect("samples/ is part of the repository");
    let doc = extract(&path, &bytes, &Limits::default()).expect("sample extracts");
    doc.sections
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn analyser(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyser");
    for name in ["manpages_zh_readme.md", "meeting_notes.md"] {
        let text = sample(name).repeat(4);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            let mut analyzer = whisker_index::analyzer::analyzer();
            b.iter(|| {
                let mut stream = analyzer.token_stream(&text);
                let mut n = 0;
                while stream.advance() {
                    n += 1;
                }
                n
            })
        });
    }
    group.finish();
}

fn chunker(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/manpages_zh_readme.md");
    let bytes = std::fs::read(&path).expect("samples/ is part of the repository");
    let doc = extract(&path, &bytes, &Limits::default()).expect("sample extracts");
    let mut group = c.benchmark_group("chunker");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("manpages_zh_readme.md", |b| {
        b.iter(|| chunk(&doc, &ChunkOptions::default()).len())
    });
    group.finish();
}

criterion_group!(benches, analyser, chunker);
criterion_main!(benches);
