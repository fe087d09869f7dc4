//! Placeholder: filled by the model-management work.

use crate::embed::{EmbedSpec, Pooling};

/// TEMPORARY until the manifest lands: the embedding settings of a model id.
pub fn embed_spec(id: &str) -> Option<EmbedSpec> {
    (id == "all-minilm-l6-v2").then(|| EmbedSpec {
        pooling: Pooling::Mean,
        dims: 384,
        max_tokens: 256,
        normalize: true,
        query_prefix: String::new(),
        passage_prefix: String::new(),
    })
}
