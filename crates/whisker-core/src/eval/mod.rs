//! Quality measured on public benchmark sets, printed as tables by `whisker eval`.

mod asr;
mod metrics;
mod retrieval;
pub mod wer;

pub use asr::{AsrEval, AsrFileScore, AsrReport, AsrTotal};
pub use metrics::{mrr_at, ndcg_at, recall_at};
pub use retrieval::{ModeScore, RetrievalEval, RetrievalReport};
