//! Chunk vectors: stored in the chunk's own Tantivy document, searched exactly.
//!
//! Each chunk document may carry a vector (f32, little-endian bytes in a fast
//! field) and the id of the model that made it. Because the vector lives in
//! the same document as the chunk, it is written, replaced and deleted in the
//! same commit: the store never holds a vector without its chunk or the other
//! way round, after a crash at any point.
//!
//! Search is brute force over every live chunk with a vector from the current
//! model, segment by segment. Tantivy segments never change once written, so
//! each segment's vectors are decoded once into a flat matrix and cached;
//! deletions are honoured through the segment's alive bitset at query time.
//! The dot products are written as fixed-width lanes so the compiler turns them
//! into SIMD. An `int8` matrix (one scale per vector) is 4x smaller and close
//! to the f32 ranking; it is an option, f32 is the default.

use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::query::Query;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, Searcher, SegmentReader, Term};

use crate::error::{Error, Result};
use crate::schema::Fields;

/// How vectors are held in memory for search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 4 bytes per dimension, exact scores.
    #[default]
    F32,
    /// 1 byte per dimension and a scale per vector; scores within about 1%.
    Int8,
}

/// Encodes a vector for the `vector` fast field.
pub(crate) fn encode(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decodes a `vector` field value; `None` if the length is not whole floats.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let floats = bytes.chunks_exact(4);
    Some(
        floats
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

/// The vector stored for `doc`, if any; `buffer` is scratch space reused
/// between calls.
pub(crate) fn read(
    column: &tantivy::columnar::BytesColumn,
    doc: DocId,
    buffer: &mut Vec<u8>,
) -> Result<Option<Vec<f32>>> {
    let Some(ord) = column.term_ords(doc).next() else {
        return Ok(None);
    };
    buffer.clear();
    column.ord_to_bytes(ord, buffer)?;
    match decode(buffer).filter(|v| !v.is_empty()) {
        Some(vector) => Ok(Some(vector)),
        None => Err(Error::Record(format!(
            "chunk vector of {} bytes",
            buffer.len()
        ))),
    }
}

/// One segment's vectors for one model, decoded.
#[derive(Debug)]
struct SegmentVectors {
    dims: usize,
    /// Documents that have a vector, ascending.
    docs: Vec<DocId>,
    /// `docs.len() * dims` values, or empty for int8.
    f32s: Vec<f32>,
    /// `docs.len() * dims` values, or empty for f32.
    i8s: Vec<i8>,
    /// One scale per document (int8 only).
    scales: Vec<f32>,
}

/// The cache of decoded segments, keyed by segment, model and precision.
#[derive(Debug, Default)]
pub(crate) struct VectorCache {
    segments: Mutex<HashMap<(SegmentId, String, Precision), Arc<SegmentVectors>>>,
}

/// A chunk found by vector search, with its cosine similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub address: DocAddress,
    pub score: f32,
}

impl VectorCache {
    /// The `k` chunks most similar to `query` among those embedded by `model`.
    pub(crate) fn search(
        &self,
        searcher: &Searcher,
        fields: &Fields,
        model: &str,
        query: &[f32],
        k: usize,
        precision: Precision,
    ) -> Result<Vec<Scored>> {
        let mut top = TopK::new(k);
        let mut live = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let segment = self.segment(searcher, reader, fields, model, precision)?;
            live.push((reader.segment_id(), model.to_string(), precision));
            if segment.docs.is_empty() {
                continue;
            }
            if segment.dims != query.len() {
                return Err(Error::Record(format!(
                    "stored vectors have {} dimensions, the query {}",
                    segment.dims,
                    query.len()
                )));
            }
            for part in scan_parallel(&segment, reader, query, ord as u32, k) {
                top.merge(part);
            }
        }
        self.forget_except(&live);
        Ok(top.into_sorted())
    }

    fn segment(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        fields: &Fields,
        model: &str,
        precision: Precision,
    ) -> Result<Arc<SegmentVectors>> {
        let key = (reader.segment_id(), model.to_string(), precision);
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let loaded = Arc::new(load(searcher, reader, fields, model, precision)?);
        self.lock().insert(key, loaded.clone());
        Ok(loaded)
    }

    /// Drops cached segments that are gone (merged away), and other models'.
    fn forget_except(&self, live: &[(SegmentId, String, Precision)]) {
        self.lock().retain(|key, _| live.contains(key));
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(SegmentId, String, Precision), Arc<SegmentVectors>>>
    {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Decodes the vectors of `model` in one segment.
fn load(
    searcher: &Searcher,
    reader: &SegmentReader,
    fields: &Fields,
    model: &str,
    precision: Precision,
) -> Result<SegmentVectors> {
    let docs = docs_with_model(searcher, reader, fields, model)?;
    let mut out = SegmentVectors {
        dims: 0,
        docs: Vec::with_capacity(docs.len()),
        f32s: Vec::new(),
        i8s: Vec::new(),
        scales: Vec::new(),
    };
    let Some(column) = reader.fast_fields().bytes(crate::schema::VECTOR)? else {
        return Ok(out);
    };
    let mut bytes = Vec::new();
    for doc in docs {
        let Some(vector) = read(&column, doc, &mut bytes)? else {
            continue;
        };
        if out.dims == 0 {
            out.dims = vector.len();
        } else if out.dims != vector.len() {
            return Err(Error::Record("chunk vectors of different lengths".into()));
        }
        out.docs.push(doc);
        match precision {
            Precision::F32 => out.f32s.extend_from_slice(&vector),
            Precision::Int8 => {
                let (scale, values) = quantize(&vector);
                out.scales.push(scale);
                out.i8s.extend(values);
            }
        }
    }
    Ok(out)
}

/// The documents of one segment tagged with `model`, ascending.
fn docs_with_model(
    searcher: &Searcher,
    reader: &SegmentReader,
    fields: &Fields,
    model: &str,
) -> Result<Vec<DocId>> {
    let term = Term::from_field_text(fields.embedder, model);
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    let mut docs = Vec::new();
    weight.for_each_no_score(reader, &mut |found| docs.extend_from_slice(found))?;
    docs.sort_unstable();
    Ok(docs)
}

/// Below this many vectors a segment is scanned on the calling thread.
const PARALLEL_ROWS: usize = 16_384;

/// Scans a segment on every core (the scan is bound by memory bandwidth,
/// which one core does not saturate), one best-`k` list per part.
fn scan_parallel(
    segment: &SegmentVectors,
    reader: &SegmentReader,
    query: &[f32],
    segment_ord: u32,
    k: usize,
) -> Vec<TopK> {
    let rows = segment.docs.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = if rows < PARALLEL_ROWS {
        1
    } else {
        threads.min(rows / (PARALLEL_ROWS / 2))
    };
    let per_part = rows.div_ceil(parts.max(1));
    let scan_part = |start: usize| {
        let mut top = TopK::new(k);
        let end = (start + per_part).min(rows);
        scan(segment, reader, query, segment_ord, start..end, &mut top);
        top
    };
    if parts <= 1 {
        return vec![scan_part(0)];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..parts)
            .map(|p| s.spawn(move || scan_part(p * per_part)))
            .collect();
        // A scan thread only does arithmetic on slices; it cannot panic
        // short of a bug, and then losing its part is the least harm.
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// Scores the live vectors in `rows` of a segment against `query`, with
/// the widest vector instructions the CPU has.
fn scan(
    segment: &SegmentVectors,
    reader: &SegmentReader,
    query: &[f32],
    segment_ord: u32,
    rows: std::ops::Range<usize>,
    top: &mut TopK,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: a `target_feature` function needs only that the CPU has
        // the feature, which was just checked.
        #[allow(unsafe_code)]
        return unsafe { scan_avx2(segment, reader, query, segment_ord, rows, top) };
    }
    scan_any(segment, reader, query, segment_ord, rows, top)
}

/// [`scan_any`] compiled for AVX2: 256-bit lanes instead of the x86-64
/// baseline's 128 (see `bench/RESULTS.md` for the scan's speed).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(
    segment: &SegmentVectors,
    reader: &SegmentReader,
    query: &[f32],
    segment_ord: u32,
    rows: std::ops::Range<usize>,
    top: &mut TopK,
) {
    scan_any(segment, reader, query, segment_ord, rows, top)
}

#[inline(always)]
fn scan_any(
    segment: &SegmentVectors,
    reader: &SegmentReader,
    query: &[f32],
    segment_ord: u32,
    rows: std::ops::Range<usize>,
    top: &mut TopK,
) {
    let alive = reader.alive_bitset();
    let is_alive = |doc: DocId| alive.is_none_or(|a| a.is_alive(doc));
    let dims = segment.dims;
    if segment.i8s.is_empty() {
        let matrix = &segment.f32s[rows.start * dims..rows.end * dims];
        for (i, vector) in matrix.chunks_exact(dims).enumerate() {
            let doc = segment.docs[rows.start + i];
            if is_alive(doc) {
                top.push(DocAddress::new(segment_ord, doc), dot(query, vector));
            }
        }
    } else {
        let (q_scale, q) = quantize(query);
        let matrix = &segment.i8s[rows.start * dims..rows.end * dims];
        for (i, vector) in matrix.chunks_exact(dims).enumerate() {
            let row = rows.start + i;
            let doc = segment.docs[row];
            if is_alive(doc) {
                let score = dot_i8(&q, vector) as f32 * q_scale * segment.scales[row];
                top.push(DocAddress::new(segment_ord, doc), score);
            }
        }
    }
}

/// Dot product in 32 independent lanes: the compiler makes them SIMD
/// registers, enough of them that the additions do not wait on each other.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 32;
    let mut lanes = [0f32; LANES];
    let (a32, b32) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = a32
        .remainder()
        .iter()
        .zip(b32.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a32.zip(b32) {
        for i in 0..LANES {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Integer dot product: products of i8 fit in i16 and pairs of them in
/// i32, which is the shape of the x86 multiply-add instruction (`pmaddwd`).
#[inline(always)]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    const LANES: usize = 32;
    let mut lanes = [0i32; LANES / 2];
    let (a32, b32) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: i32 = a32
        .remainder()
        .iter()
        .zip(b32.remainder())
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    for (x, y) in a32.zip(b32) {
        for i in 0..LANES / 2 {
            let even = i32::from(x[2 * i]) * i32::from(y[2 * i]);
            let odd = i32::from(x[2 * i + 1]) * i32::from(y[2 * i + 1]);
            lanes[i] += even + odd;
        }
    }
    lanes.iter().sum::<i32>() + tail
}

/// Symmetric int8 quantisation: `v ≈ scale * q`.
fn quantize(vector: &[f32]) -> (f32, Vec<i8>) {
    let max = vector.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return (0.0, vec![0; vector.len()]);
    }
    let scale = max / 127.0;
    let values = vector.iter().map(|x| (x / scale).round() as i8).collect();
    (scale, values)
}

/// The best `k` (score, address) pairs seen so far.
struct TopK {
    k: usize,
    /// A min-heap on score (via `Reverse`), so the worst kept is on top.
    heap: BinaryHeap<std::cmp::Reverse<Entry>>,
}

#[derive(PartialEq)]
struct Entry(f32, DocAddress);

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Higher score first; on ties the earlier document wins.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    fn push(&mut self, address: DocAddress, score: f32) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(std::cmp::Reverse(Entry(score, address)));
        } else if let Some(worst) = self.heap.peek()
            && Entry(score, address) > worst.0
        {
            self.heap.pop();
            self.heap.push(std::cmp::Reverse(Entry(score, address)));
        }
    }

    fn merge(&mut self, other: TopK) {
        for std::cmp::Reverse(Entry(score, address)) in other.heap {
            self.push(address, score);
        }
    }

    fn into_sorted(self) -> Vec<Scored> {
        let mut entries: Vec<Entry> = self.heap.into_iter().map(|r| r.0).collect();
        entries.sort_by(|a, b| b.cmp(a));
        entries
            .into_iter()
            .map(|Entry(score, address)| Scored { address, score })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_for_any_length() {
        for n in [0, 1, 7, 8, 9, 384, 385] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "n = {n}");
        }
    }

    #[test]
    fn int8_scores_stay_close_to_f32() {
        let a: Vec<f32> = (0..384).map(|i| (i as f32 * 0.37).sin() / 14.0).collect();
        let b: Vec<f32> = (0..384).map(|i| (i as f32 * 0.41).sin() / 14.0).collect();
        let (sa, qa) = quantize(&a);
        let (sb, qb) = quantize(&b);
        let approx = dot_i8(&qa, &qb) as f32 * sa * sb;
        assert!(
            (approx - dot(&a, &b)).abs() < 0.01,
            "{approx} vs {}",
            dot(&a, &b)
        );
    }

    #[test]
    fn encode_and_decode_round_trip() {
        let v = vec![0.5, -1.25, 3.0e-8];
        assert_eq!(decode(&encode(&v)), Some(v));
        assert_eq!(decode(&[1, 2, 3]), None);
    }

    #[test]
    fn top_k_keeps_the_best_in_order() {
        let mut top = TopK::new(2);
        for (doc, score) in [(0, 0.1), (1, 0.9), (2, 0.5), (3, 0.95)] {
            top.push(DocAddress::new(0, doc), score);
        }
        let docs: Vec<u32> = top.into_sorted().iter().map(|s| s.address.doc_id).collect();
        assert_eq!(docs, [3, 1]);
    }
}
