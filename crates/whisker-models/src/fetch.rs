//! Placeholder: filled by the model-management work.
