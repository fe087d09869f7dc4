//! The assistant: answers, rewrites and slide decks from the library, with
//! the on-device chat model.
//!
//! [`Assistant`] pairs a [`Library`] with the configured chat model (loaded
//! on first use). Every task streams what the model writes as
//! [`crate::Event::Token`]s and stops on [`Cancel`]:
//!
//! - [`Assistant::ask`]: retrieve, fit numbered sources into the context
//!   window, answer with `[n]` citations that are checked as they stream;
//!   say so instead of guessing when nothing relevant is found; read whole
//!   documents part by part for "summarise X" and "compare X and Y".
//! - [`Assistant::write`]: polish, shorten, expand, continue, translate or
//!   summarise a text, optionally grounded in the library.
//! - [`Assistant::outline`]: a slide deck about a topic, as a
//!   [`crate::slides::Deck`] the exporters in [`crate::slides`] write out.
//!
//! ```no_run
//! use whisker_core::assistant::{Assistant, Question};
//! use whisker_core::{Cancel, Silent};
//!
//! let assistant = Assistant::open("/tmp/whisker-data".as_ref())?;
//! let answer = assistant.ask(&Question::new("What is Debian?"), &Silent, &Cancel::new())?;
//! println!("{}", answer.text);
//! for source in answer.cited() {
//!     println!("[{}] {}", source.n, source.label);
//! }
//! # Ok::<(), whisker_core::Error>(())
//! ```

mod ask;
mod citations;
mod prompts;
mod slides;
mod sources;
mod whole;
mod write;

use std::path::Path;
use std::sync::Arc;

use whisker_models::generate::Generator;

pub use ask::{Answer, AnswerStats, Basis, Question, Turn};
pub use citations::CitationFilter;
pub use prompts::Lang;
pub use slides::{Outline, OutlineMethod, SlidesRequest};
pub use sources::{Relevance, Source};
pub use write::{Rewrite, WriteMode, WriteRequest};

use crate::config::Config;
use crate::error::Result;
use crate::events::{Event, Progress, Stage};
use crate::generation::Generation;
use crate::library::Library;
use crate::paths::models_dir;
use crate::speech::Speech;

/// The library and the chat model, behind the CLI and the app.
#[derive(Debug)]
pub struct Assistant {
    library: Library,
    generation: Generation,
    speech: Speech,
}

impl Assistant {
    /// Opens the library in `data_dir` with the settings found there.
    pub fn open(data_dir: &Path) -> Result<Assistant> {
        Assistant::with_config(data_dir, Config::load(data_dir)?)
    }

    pub fn with_config(data_dir: &Path, config: Config) -> Result<Assistant> {
        let generation = Generation::new(config.generation.clone(), &models_dir(data_dir));
        let speech = Speech::new(config.speech.clone(), &models_dir(data_dir));
        Ok(Assistant {
            library: Library::with_config(data_dir, config)?,
            generation,
            speech,
        })
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Speech to text, for questions asked aloud.
    pub fn speech(&self) -> &Speech {
        &self.speech
    }

    /// The chat model, loaded now if it was not yet.
    pub fn generator(&self, progress: &dyn Progress) -> Result<Arc<Generator>> {
        progress.event(&Event::Stage {
            stage: Stage::Load,
            detail: String::new(),
        });
        self.generation.get()
    }

    fn reply_tokens(&self) -> usize {
        self.generation.config().max_tokens
    }

    fn thresholds(&self) -> sources::Thresholds {
        let ask = &self.library.config().ask;
        sources::Thresholds {
            min_similarity: ask.min_similarity,
            min_coverage: ask.min_coverage,
        }
    }
}

impl AsRef<Library> for Assistant {
    fn as_ref(&self) -> &Library {
        &self.library
    }
}
