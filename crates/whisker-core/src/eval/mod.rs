//! Quality measured on public benchmark sets, printed as tables by `whisker eval`.

mod metrics;
mod retrieval;

pub use metrics::{mrr_at, ndcg_at, recall_at};
pub use retrieval::{ModeScore, RetrievalEval, RetrievalReport};
