//! Placeholder: filled by the embedder work.
