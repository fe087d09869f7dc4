//! Chunk vectors in the store: exact nearest neighbours, hybrid fusion, and
//! vectors kept in step with their chunks through replace, remove, re-embed
//! and reopen. Vectors here are small hand-made ones (the model-backed path
//! is tested end to end in `whisker-e2e`).

// Helpers outside #[test] unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use whisker_index::{
    Embedding, FileRecord, FileStatus, Fusion, Mode, NewChunk, Precision, SearchOptions, Store,
    VectorQuery,
};
use whisker_ingest::Location;

const MODEL: &str = "test-model";

fn record(path: &str) -> FileRecord {
    FileRecord {
        path: path.into(),
        size: 1,
        mtime_ns: 0,
        ctime_ns: 0,
        hash: format!("hash-of-{path}"),
        status: FileStatus::Indexed,
        error: None,
        retry: false,
        title: path.into(),
        kind: Some("text".into()),
        chunks: 1,
        indexed_at: 0,
    }
}

/// A unit vector pointing mostly along `axis` (of 8).
fn axis(axis: usize, tilt: f32) -> Vec<f32> {
    let mut v = [tilt; 8];
    v[axis] = 1.0;
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn chunk(text: &str, vector: Option<Vec<f32>>) -> NewChunk {
    NewChunk {
        text: text.into(),
        location: Location::Page { page: 1 },
        embedding: vector.map(|vector| Embedding {
            model: MODEL.into(),
            vector,
        }),
    }
}

fn options(mode: Mode, precision: Precision) -> SearchOptions {
    SearchOptions {
        k: 10,
        mode,
        fusion: Fusion::default(),
        precision,
        snippets: true,
    }
}

fn search(store: &Store, text: &str, vector: &[f32], mode: Mode) -> Vec<String> {
    let query = VectorQuery {
        model: MODEL,
        vector,
    };
    let hits = store
        .search_with(text, Some(query), &options(mode, Precision::F32))
        .unwrap();
    hits.into_iter().map(|h| h.path).collect()
}

fn corpus(store: &Store) {
    let mut w = store.writer().unwrap();
    let files = [
        ("/a.txt", "cats purr when they are content", 0),
        ("/b.txt", "dogs bark at the postman", 1),
        ("/c.txt", "the stock market fell sharply", 2),
        ("/d.txt", "invoice number 4711 is overdue", 3),
    ];
    for (path, text, dir) in files {
        w.put(&record(path), &[chunk(text, Some(axis(dir, 0.1)))])
            .unwrap();
    }
    w.commit().unwrap();
    w.finish().unwrap();
}

#[test]
fn vector_search_ranks_by_cosine_and_honours_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    corpus(&store);
    let found = search(&store, "", &axis(2, 0.05), Mode::Vector);
    assert_eq!(found.len(), 4);
    assert_eq!(found[0], "/c.txt");
    // Another model's query finds no vectors at all.
    let other = VectorQuery {
        model: "other-model",
        vector: &axis(2, 0.05),
    };
    let hits = store
        .search_with("", Some(other), &options(Mode::Vector, Precision::F32))
        .unwrap();
    assert!(hits.is_empty());
}

/// A deterministic pseudo-random unit vector (xorshift; no crate needed).
fn random_unit(seed: &mut u64, dims: usize) -> Vec<f32> {
    let v: Vec<f32> = (0..dims)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// The default precision gives exactly what a plain f32 scan gives, on
/// random vectors (the hardest case: scores crowd together), across
/// segments, after a deletion, with the scan split across threads.
#[test]
fn f32_precision_equals_a_full_f32_scan() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (dims, mut seed) = (384, 0x9e37_79b9_7f4a_7c15u64);
    let mut all: Vec<(String, Vec<f32>)> = Vec::new();
    for batch in 0..4 {
        let mut w = store.writer().unwrap();
        for i in 0..5_000 {
            let path = format!("/{batch}/{i}.txt");
            let v = random_unit(&mut seed, dims);
            let text = format!("chunk {batch} {i}");
            w.put(&record(&path), &[chunk(&text, Some(v.clone()))])
                .unwrap();
            all.push((path, v));
        }
        w.commit().unwrap();
        w.finish().unwrap();
    }
    // Delete some, so the alive bitsets matter.
    let mut w = store.writer().unwrap();
    for (path, _) in all.iter().step_by(7) {
        w.remove(path);
    }
    w.commit().unwrap();
    w.finish().unwrap();
    all = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 7 != 0)
        .map(|(_, x)| x)
        .collect();
    for _ in 0..20 {
        let query = random_unit(&mut seed, dims);
        let vq = VectorQuery {
            model: MODEL,
            vector: &query,
        };
        let hits = store
            .search_with("", Some(vq), &options(Mode::Vector, Precision::F32))
            .unwrap();
        let mut exact: Vec<(f32, &str)> = all
            .iter()
            .map(|(p, v)| (v.iter().zip(&query).map(|(a, b)| a * b).sum(), p.as_str()))
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0));
        let got: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
        let want: Vec<&str> = exact[..10].iter().map(|e| e.1).collect();
        assert_eq!(got, want);
        for (h, e) in hits.iter().zip(&exact) {
            assert!((h.score - e.0).abs() < 1e-5, "{} vs {}", h.score, e.0);
        }
    }
}

#[test]
fn int8_precision_keeps_the_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    corpus(&store);
    let query = axis(1, 0.2);
    let vq = VectorQuery {
        model: MODEL,
        vector: &query,
    };
    let f32s = store
        .search_with("", Some(vq), &options(Mode::Vector, Precision::F32))
        .unwrap();
    let i8s = store
        .search_with("", Some(vq), &options(Mode::Vector, Precision::Int8))
        .unwrap();
    // The others tie at f32; int8 may order ties differently.
    assert_eq!(f32s[0].path, "/b.txt");
    assert_eq!(i8s[0].path, "/b.txt");
    for (a, b) in f32s.iter().zip(&i8s) {
        assert!(
            (a.score - b.score).abs() < 0.02,
            "{} vs {}",
            a.score,
            b.score
        );
    }
}

#[test]
fn hybrid_finds_both_the_exact_number_and_the_paraphrase() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    corpus(&store);
    // The words match /d.txt only; the vector points at /a.txt.
    let found = search(&store, "4711", &axis(0, 0.05), Mode::Hybrid);
    assert_eq!(
        &found[..2],
        ["/d.txt", "/a.txt"].map(String::from).as_slice()
    );
    let words = search(&store, "4711", &axis(0, 0.05), Mode::Bm25);
    assert_eq!(words, ["/d.txt"]);
}

#[test]
fn replaced_and_removed_files_take_their_vectors_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    corpus(&store);
    let mut w = store.writer().unwrap();
    // /c.txt changes and is stored without a vector; /b.txt goes.
    w.put(&record("/c.txt"), &[chunk("bonds rallied", None)])
        .unwrap();
    w.remove("/b.txt");
    w.commit().unwrap();
    w.finish().unwrap();
    let mut found = search(&store, "", &axis(2, 0.05), Mode::Vector);
    found.sort();
    assert_eq!(found, ["/a.txt", "/d.txt"].map(String::from).to_vec());
    assert_eq!(store.embedded_count(MODEL).unwrap(), 2);

    // The chunk without a vector is pending; embedding it brings it back.
    let pending = store.unembedded(MODEL).unwrap();
    assert_eq!(pending.len(), 1);
    let chunks = pending.chunks(&store, 0..1).unwrap();
    assert_eq!(chunks[0].text, "bonds rallied");
    let mut w = store.writer().unwrap();
    let embedding = Embedding {
        model: MODEL.into(),
        vector: axis(2, 0.1),
    };
    w.embed(&chunks[0], &embedding).unwrap();
    w.commit().unwrap();
    w.finish().unwrap();
    assert!(store.unembedded(MODEL).unwrap().is_empty());

    // Everything survives a reopen, and the re-embedded chunk is whole.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let found = search(&store, "", &axis(2, 0.05), Mode::Vector);
    assert_eq!(found[0], "/c.txt");
    assert_eq!(store.search("bonds", 5).unwrap()[0].path, "/c.txt");
    let stats = store.stats().unwrap();
    assert_eq!((stats.documents, stats.chunks), (3, 3));
    let stored = store.chunks_of("/c.txt").unwrap();
    assert_eq!(stored[0].embedding.as_ref().unwrap().vector, axis(2, 0.1));
}

#[test]
fn a_model_switch_leaves_every_chunk_pending() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    corpus(&store);
    assert_eq!(store.unembedded("new-model").unwrap().len(), 4);
    assert_eq!(store.unembedded(MODEL).unwrap().len(), 0);
}

#[test]
fn same_passage_twice_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut w = store.writer().unwrap();
    let text = "the same paragraph copied into two files";
    w.put(&record("/one.txt"), &[chunk(text, Some(axis(4, 0.1)))])
        .unwrap();
    w.put(&record("/copy.txt"), &[chunk(text, Some(axis(4, 0.1)))])
        .unwrap();
    w.commit().unwrap();
    let found = search(&store, "paragraph copied", &axis(4, 0.1), Mode::Hybrid);
    assert_eq!(found.len(), 1);
}
