//! `ask`: retrieve, fit the sources into the context window, stream a cited
//! answer, check its citations.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use whisker_models::generate::{Finish, Flow, Generator, Message};

use super::citations::CitationFilter;
use super::prompts::{self, Lang};
use super::sources::{self, Relevance, Source};
use super::{Assistant, whole};
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress, Stage};

/// Most tokens of one source given to the model.
const PER_SOURCE_TOKENS: usize = 400;
/// Tokens kept free of the context window, for the template's own tokens.
const MARGIN_TOKENS: usize = 32;
/// Earlier turns kept in the conversation.
const HISTORY_TURNS: usize = 3;

/// A question and the conversation before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    /// Earlier questions and answers, oldest first (follow-ups).
    #[serde(default)]
    pub history: Vec<Turn>,
}

impl Question {
    pub fn new(text: impl Into<String>) -> Question {
        Question {
            text: text.into(),
            history: Vec::new(),
        }
    }
}

/// One earlier exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub question: String,
    pub answer: String,
}

/// How an answer was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// From the best-matching passages.
    Passages,
    /// From whole documents read part by part (summaries, comparisons).
    Documents,
    /// Nothing relevant was found; the text says so and nothing was generated.
    NotFound,
}

/// A finished answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub question: String,
    /// The answer, with `[n]` markers that all name an entry of `sources`.
    pub text: String,
    pub basis: Basis,
    /// Every source the model was given, numbered; `cited` marks those used.
    pub sources: Vec<Source>,
    pub relevance: Option<Relevance>,
    /// Something the user should know (a document read only in part, ...).
    pub note: Option<String>,
    /// Why generation stopped (`None` when nothing was generated).
    pub finish: Option<Finish>,
    pub stats: AnswerStats,
}

impl Answer {
    /// The sources the answer cites.
    pub fn cited(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().filter(|s| s.cited)
    }
}

/// Figures about one answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnswerStats {
    pub model: Option<String>,
    pub prompt_tokens: usize,
    /// Prompt tokens not read again: their KV cache was kept from the
    /// previous answer (the same system prompt and instructions).
    pub reused_tokens: usize,
    pub tokens: usize,
    /// From the question to the first piece of the answer, milliseconds.
    pub first_token_ms: Option<f64>,
    pub total_ms: f64,
    /// Citation markers removed because they named no source.
    pub dropped_citations: usize,
}

impl Assistant {
    /// Answers `question` from the library, streaming the text as
    /// [`Event::Token`]s.
    pub fn ask(
        &self,
        question: &Question,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Answer> {
        let started = Instant::now();
        let text = question.text.trim();
        if text.is_empty() {
            return Err(Error::Invalid("the question is empty".into()));
        }
        let lang = Lang::of(text);
        if let Some(targets) = whole::targets(&self.library, text)? {
            return self.ask_documents(question, &targets, lang, progress, cancel);
        }
        progress.event(&Event::Stage {
            stage: Stage::Retrieve,
            detail: text.to_string(),
        });
        let query = match question.history.last() {
            Some(last) => format!("{} {text}", last.question),
            None => text.to_string(),
        };
        let ask = self.library.config().ask;
        let (hits, relevance) = sources::retrieve(&self.library, &query, ask.k, self.thresholds())?;
        if hits.is_empty() || !relevance.is_relevant(self.thresholds()) {
            return Ok(not_found(text, lang, relevance, started, progress));
        }
        let generator = self.generator(progress)?;
        let reply = self.reply_tokens();
        let base = self.messages(&generator, question, lang, "")?;
        let used = generator.prompt_tokens(&base)? + reply + MARGIN_TOKENS;
        let budget = generator
            .context_len()
            .saturating_sub(used)
            .min(ask.sources_tokens);
        let sources = sources::fit(&generator, &hits, budget, PER_SOURCE_TOKENS)?;
        let messages = self.messages(&generator, question, lang, &sources::render(&sources))?;
        let mut answer = self.generate_cited(
            &generator, &messages, sources, reply, started, progress, cancel,
        )?;
        answer.question = text.to_string();
        answer.relevance = Some(relevance);
        Ok(answer)
    }

    /// The conversation for the model: system prompt, the kept earlier turns,
    /// then the sources and the question.
    fn messages(
        &self,
        generator: &Generator,
        question: &Question,
        lang: Lang,
        sources: &str,
    ) -> Result<Vec<Message>> {
        let mut messages = vec![Message::system(prompts::ask_system(lang))];
        let earlier = question.history.len().saturating_sub(HISTORY_TURNS);
        for turn in &question.history[earlier..] {
            messages.push(Message::user(turn.question.clone()));
            messages.push(Message::assistant(turn.answer.clone()));
        }
        messages.push(Message::user(prompts::ask_user(
            lang,
            sources,
            question.text.trim(),
        )));
        // Drop the oldest turns while the conversation alone is too long.
        let limit = generator.context_len() / 2;
        while messages.len() > 2 && generator.prompt_tokens(&messages)? > limit {
            messages.drain(1..3);
        }
        Ok(messages)
    }

    /// Streams the model's answer through a [`CitationFilter`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn generate_cited(
        &self,
        generator: &Generator,
        messages: &[Message],
        mut sources: Vec<Source>,
        reply: usize,
        started: Instant,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Answer> {
        progress.event(&Event::Stage {
            stage: Stage::Generate,
            detail: generator.id().to_string(),
        });
        let mut filter = CitationFilter::new(sources.len());
        let mut first_token = None;
        let mut leading = true;
        let params = self.generation.config().params(reply);
        let mut emit = |text: String, first_token: &mut Option<f64>| {
            // The model often starts with a space or a newline.
            let text = if leading {
                text.trim_start().to_string()
            } else {
                text
            };
            if !text.is_empty() {
                leading = false;
                first_token.get_or_insert_with(|| started.elapsed().as_secs_f64() * 1000.0);
                progress.event(&Event::Token { text });
            }
        };
        let generation = generator.chat(messages, &params, &mut |piece| {
            if cancel.is_cancelled() {
                return Flow::Stop;
            }
            emit(filter.push(piece), &mut first_token);
            Flow::Continue
        })?;
        if generation.finish == Finish::Cancelled {
            return Err(Error::Cancelled);
        }
        emit(filter.finish(), &mut first_token);
        for n in filter.cited() {
            sources[n - 1].cited = true;
        }
        Ok(Answer {
            question: String::new(),
            text: filter.text().trim().to_string(),
            basis: super::Basis::Passages,
            sources,
            relevance: None,
            note: None,
            finish: Some(generation.finish),
            stats: AnswerStats {
                model: Some(generator.id().to_string()),
                prompt_tokens: generation.prompt_tokens,
                reused_tokens: generation.reused_tokens,
                tokens: generation.tokens,
                first_token_ms: first_token,
                total_ms: started.elapsed().as_secs_f64() * 1000.0,
                dropped_citations: filter.dropped(),
            },
        })
    }
}

fn not_found(
    question: &str,
    lang: Lang,
    relevance: Relevance,
    started: Instant,
    progress: &dyn Progress,
) -> Answer {
    let text = prompts::not_found(lang).to_string();
    progress.event(&Event::Token { text: text.clone() });
    Answer {
        question: question.to_string(),
        text,
        basis: Basis::NotFound,
        sources: Vec::new(),
        relevance: Some(relevance),
        note: None,
        finish: None,
        stats: AnswerStats {
            total_ms: started.elapsed().as_secs_f64() * 1000.0,
            ..AnswerStats::default()
        },
    }
}
