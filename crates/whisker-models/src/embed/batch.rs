//! Batching by length: inputs sorted by token count, cut into batches whose
//! padded size stays within a budget, so a batch wastes little on padding and
//! the attention (quadratic in length) never sees one long text padded out
//! across many short ones.

/// Limits for one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchLimits {
    /// Most sequences in one batch.
    pub max_seqs: usize,
    /// Most padded tokens (sequences × longest length) in one batch.
    pub max_tokens: usize,
}

/// Orders `lens` (token counts) longest first and cuts the order into
/// batches within `limits`. Returns indices into `lens`; every index appears
/// once. A batch holds at least one sequence, whatever its length.
pub(crate) fn plan(lens: &[usize], limits: BatchLimits) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lens.len()).collect();
    // Stable: equal lengths keep input order, which keeps runs reproducible.
    order.sort_by_key(|&i| std::cmp::Reverse(lens[i]));
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        // Sorted longest first: the batch's first sequence sets its padded length.
        let longest = current.first().map_or(lens[i], |&f| lens[f]).max(1);
        let fits = current.len() < limits.max_seqs.max(1)
            && (current.len() + 1) * longest <= limits.max_tokens.max(longest);
        if !fits {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BatchLimits = BatchLimits {
        max_seqs: 4,
        max_tokens: 100,
    };

    #[test]
    fn every_index_once_longest_first() {
        let lens = [3, 50, 7, 7, 20, 1, 40];
        let batches = plan(&lens, LIMITS);
        let flat: Vec<usize> = batches.concat();
        let mut sorted = flat.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..lens.len()).collect::<Vec<_>>());
        let flat_lens: Vec<usize> = flat.iter().map(|&i| lens[i]).collect();
        assert!(flat_lens.windows(2).all(|w| w[0] >= w[1]), "{flat_lens:?}");
    }

    #[test]
    fn batches_stay_within_the_token_budget() {
        let lens = [3, 50, 7, 7, 20, 1, 40, 30, 30, 30, 2, 2, 2, 2, 2];
        for batch in plan(&lens, LIMITS) {
            let longest = batch.iter().map(|&i| lens[i]).max().unwrap();
            assert!(batch.len() <= LIMITS.max_seqs);
            assert!(batch.len() * longest <= LIMITS.max_tokens, "{batch:?}");
        }
    }

    #[test]
    fn a_sequence_longer_than_the_budget_gets_its_own_batch() {
        let batches = plan(&[500, 10, 10], LIMITS);
        assert_eq!(batches, vec![vec![0], vec![1, 2]]);
    }

    #[test]
    fn equal_lengths_keep_input_order() {
        assert_eq!(plan(&[5, 5, 5], LIMITS), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn empty_input_gives_no_batch() {
        assert!(plan(&[], LIMITS).is_empty());
    }
}
