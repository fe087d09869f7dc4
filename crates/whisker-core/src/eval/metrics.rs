//! Ranking metrics as BEIR and TREC compute them (pytrec_eval's definitions).

use std::collections::HashMap;

/// Relevance grades of one query's judged documents (grade > 0 is relevant).
pub type Judged = HashMap<String, u32>;

/// nDCG at `k`: gain = grade, discount = log2(rank + 1), ideal from the judgements.
pub fn ndcg_at(ranked: &[String], judged: &Judged, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, doc)| f64::from(*judged.get(doc).unwrap_or(&0)) / ((i + 2) as f64).log2())
        .sum();
    let mut grades: Vec<u32> = judged.values().copied().filter(|g| *g > 0).collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 = grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) / ((i + 2) as f64).log2())
        .sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

/// Share of the relevant documents found in the first `k`.
pub fn recall_at(ranked: &[String], judged: &Judged, k: usize) -> f64 {
    let relevant = judged.values().filter(|g| **g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|d| judged.get(*d).is_some_and(|g| *g > 0))
        .count();
    found as f64 / relevant as f64
}

/// 1 / rank of the first relevant document within `k`, else 0.
pub fn mrr_at(ranked: &[String], judged: &Judged, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| judged.get(d).is_some_and(|g| *g > 0))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn judged(pairs: &[(&str, u32)]) -> Judged {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn perfect_ranking_scores_one() {
        let j = judged(&[("a", 1), ("b", 1)]);
        assert_eq!(ndcg_at(&docs(&["a", "b", "c"]), &j, 10), 1.0);
        assert_eq!(recall_at(&docs(&["a", "b"]), &j, 100), 1.0);
        assert_eq!(mrr_at(&docs(&["a"]), &j, 10), 1.0);
    }

    #[test]
    fn relevant_at_rank_two() {
        let j = judged(&[("b", 1)]);
        let ranked = docs(&["a", "b", "c"]);
        // 1/log2(3) over the ideal 1/log2(2).
        assert!((ndcg_at(&ranked, &j, 10) - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(mrr_at(&ranked, &j, 10), 0.5);
        assert_eq!(mrr_at(&ranked, &j, 1), 0.0);
        assert_eq!(recall_at(&ranked, &j, 1), 0.0);
    }

    #[test]
    fn half_the_relevant_found() {
        let j = judged(&[("a", 1), ("z", 1), ("n", 0)]);
        assert_eq!(recall_at(&docs(&["a", "n"]), &j, 100), 0.5);
    }
}
