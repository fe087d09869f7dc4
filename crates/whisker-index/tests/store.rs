//! The store on disk: mixed-script search, replacing and removing files,
//! reopening, and the single-writer rule.

// Helpers outside #[test] unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use whisker_index::{Error, FileRecord, FileStatus, NewChunk, Store};
use whisker_ingest::Location;

fn record(path: &str, title: &str) -> FileRecord {
    FileRecord {
        path: path.into(),
        size: 1,
        mtime_ns: 0,
        ctime_ns: 0,
        hash: format!("hash-of-{path}"),
        status: FileStatus::Indexed,
        error: None,
        retry: false,
        title: title.into(),
        kind: Some("text".into()),
        chunks: 0,
        indexed_at: 0,
    }
}

fn chunk(text: &str, page: u32) -> NewChunk {
    NewChunk {
        text: text.into(),
        location: Location::Page { page },
        embedding: None,
    }
}

fn paths(store: &Store, query: &str) -> Vec<String> {
    let hits = store.search(query, 10).unwrap();
    hits.into_iter().map(|h| h.path).collect()
}

fn mixed_corpus(store: &Store) {
    let mut w = store.writer().unwrap();
    w.put(
        &record("/zh/vector.txt", "向量"),
        &[chunk("向量检索通过比较嵌入向量来查找语义相近的段落。", 1)],
    )
    .unwrap();
    w.put(
        &record("/zh/poem.txt", "诗"),
        &[chunk("床前明月光，疑是地上霜。举头望明月，低头思故乡。", 1)],
    )
    .unwrap();
    w.put(
        &record("/en/rag.md", "RAG"),
        &[chunk(
            "Dense retrieval finds passages by meaning rather than by shared words.",
            1,
        )],
    )
    .unwrap();
    w.put(
        &record("/en/cooking.md", "Bread"),
        &[chunk(
            "Knead the dough for ten minutes, then let it rise.",
            2,
        )],
    )
    .unwrap();
    w.commit().unwrap();
}

#[test]
fn chinese_and_english_queries_find_their_documents_in_a_mixed_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    mixed_corpus(&store);
    assert_eq!(paths(&store, "向量检索")[0], "/zh/vector.txt");
    assert_eq!(paths(&store, "检索")[0], "/zh/vector.txt");
    assert_eq!(paths(&store, "retrieval"), ["/en/rag.md"]);
    // Stemming: another form of the word finds it too.
    assert_eq!(paths(&store, "retrieving passage"), ["/en/rag.md"]);
    assert_eq!(paths(&store, "明月")[0], "/zh/poem.txt");
    // A substring that cuts across jieba's words is still found, as a phrase
    // of characters.
    assert_eq!(paths(&store, "前明月光疑")[0], "/zh/poem.txt");
    assert!(paths(&store, "。！？").is_empty());
}

#[test]
fn hits_carry_location_snippet_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    mixed_corpus(&store);
    let hit = &store.search("dough", 1).unwrap()[0];
    assert_eq!(hit.title, "Bread");
    assert_eq!(hit.location, Location::Page { page: 2 });
    let [start, end] = hit.highlights[0];
    assert_eq!(&hit.snippet[start..end], "dough");
}

#[test]
fn put_replaces_a_file_and_remove_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    mixed_corpus(&store);
    let mut w = store.writer().unwrap();
    w.put(
        &record("/en/cooking.md", "Bread"),
        &[
            chunk("Bake at 220 degrees.", 1),
            chunk("Cool on a rack.", 1),
        ],
    )
    .unwrap();
    w.remove("/zh/poem.txt");
    w.commit().unwrap();
    w.finish().unwrap();
    assert!(paths(&store, "dough").is_empty());
    assert_eq!(paths(&store, "bake"), ["/en/cooking.md"]);
    assert!(paths(&store, "明月").is_empty());
    let stats = store.stats().unwrap();
    assert_eq!((stats.documents, stats.chunks), (3, 4));
    assert_eq!(store.chunks_of("/en/cooking.md").unwrap().len(), 2);
}

#[test]
fn uncommitted_work_is_invisible_and_reopening_keeps_commits() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        mixed_corpus(&store);
        let mut w = store.writer().unwrap();
        w.put(
            &record("/en/later.md", "Later"),
            &[chunk("never committed", 1)],
        )
        .unwrap();
        // Dropped without commit: as if the process died here.
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(paths(&store, "committed").is_empty());
    assert_eq!(store.files().unwrap().len(), 4);
}

#[test]
fn a_second_writer_is_told_the_library_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let _first = store.writer().unwrap();
    let other = Store::open(dir.path()).unwrap();
    let err = other.writer().unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err:?}");
    assert!(err.to_string().contains("another Whisker process"), "{err}");
}
