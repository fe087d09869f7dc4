//! `slides`: a deck outline from what the library knows about a topic.
//!
//! The model is first asked for the outline as JSON, read by the tolerant
//! parser in [`crate::slides::outline`], which repairs what small models
//! break (fences, trailing commas, truncation). When that still fails, the
//! outline is written by constrained decoding: Whisker writes the JSON
//! structure itself and the model only fills in each string, stopping at its
//! closing quote, so the result is valid whatever the model's skill.
//! Citations in the notes are checked like an answer's.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use whisker_models::generate::{Flow, GenerateParams, Generator, Message, Session};

use super::Assistant;
use super::citations::CitationFilter;
use super::prompts::Lang;
use super::sources::{self, Source};
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress, Stage};
use crate::slides::outline::{self, schema_hint};
use crate::slides::{Deck, Slide, SourceRef};

/// Chunks retrieved for a topic.
const RETRIEVE_K: usize = 8;
/// Most tokens of one source given to the model.
const PER_SOURCE_TOKENS: usize = 300;
/// Tokens the JSON outline may take per slide.
const TOKENS_PER_SLIDE: usize = 160;
/// Bullets written per slide when the structure is forced.
const FORCED_BULLETS: usize = 3;

/// A deck to draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlidesRequest {
    pub topic: String,
    /// Content slides (the title slide and the sources come on top).
    pub slides: usize,
}

/// How the outline was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlineMethod {
    /// The model's own JSON (perhaps repaired).
    Json,
    /// Whisker wrote the structure; the model filled in the text.
    Constrained,
}

/// A drafted deck, ready to edit and export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outline {
    pub deck: Deck,
    pub method: OutlineMethod,
    /// What the tolerant parser fixed, or why the JSON was given up.
    pub repairs: Vec<String>,
    /// The passages the model was given.
    pub sources: Vec<Source>,
    pub seconds: f64,
}

impl Assistant {
    /// Drafts a deck about `request.topic` from the library.
    pub fn outline(
        &self,
        request: &SlidesRequest,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Outline> {
        let started = Instant::now();
        let topic = request.topic.trim();
        if topic.is_empty() {
            return Err(Error::Invalid("the topic is empty".into()));
        }
        let count = request.slides.clamp(1, outline::MAX_SLIDES);
        let lang = Lang::of(topic);
        progress.event(&Event::Stage {
            stage: Stage::Retrieve,
            detail: topic.to_string(),
        });
        let (hits, relevance) =
            sources::retrieve(&self.library, topic, RETRIEVE_K, self.thresholds())?;
        if hits.is_empty() || !relevance.is_relevant(self.thresholds()) {
            return Err(Error::Invalid(format!(
                "nothing in the knowledge base is about \"{topic}\"; add documents on it first"
            )));
        }
        let generator = self.generator(progress)?;
        let reply = count * TOKENS_PER_SLIDE + 64;
        let base = messages(lang, topic, count, "");
        let used = generator.prompt_tokens(&base)? + reply + 32;
        let budget = generator.context_len().saturating_sub(used);
        let given = sources::fit(&generator, &hits, budget, PER_SOURCE_TOKENS)?;
        if given.is_empty() {
            return Err(Error::Invalid(format!(
                "{} cannot fit {count} slides and any source in its context window; ask for fewer slides",
                generator.id()
            )));
        }
        let messages = messages(lang, topic, count, &sources::render(&given));
        progress.event(&Event::Stage {
            stage: Stage::Generate,
            detail: generator.id().to_string(),
        });
        let (mut deck, method, repairs) =
            self.draft(&generator, &messages, count, reply, progress, cancel)?;
        clean_citations(&mut deck, given.len());
        deck.sources = given
            .iter()
            .map(|s| SourceRef {
                n: s.n,
                label: s.label.clone(),
            })
            .collect();
        Ok(Outline {
            deck,
            method,
            repairs,
            sources: given,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The model's JSON if it can be used, else a constrained outline.
    fn draft(
        &self,
        generator: &Generator,
        messages: &[Message],
        count: usize,
        reply: usize,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<(Deck, OutlineMethod, Vec<String>)> {
        let params = self.generation.config().params(reply);
        let params = GenerateParams {
            max_tokens: reply,
            ..params
        };
        let generation = generator.chat(messages, &params, &mut |piece| {
            progress.event(&Event::Token {
                text: piece.to_string(),
            });
            if cancel.is_cancelled() {
                Flow::Stop
            } else {
                Flow::Continue
            }
        })?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        match outline::parse(&generation.text) {
            Ok((deck, _)) if copies_the_example(&deck) => self.constrained(
                generator,
                messages,
                count,
                "it copied the example outline",
                cancel,
            ),
            Ok((deck, repairs)) if !deck.slides.is_empty() => {
                Ok((deck, OutlineMethod::Json, repairs))
            }
            Ok(_) => self.constrained(
                generator,
                messages,
                count,
                "the outline had no slides",
                cancel,
            ),
            Err(e) => self.constrained(generator, messages, count, &e.to_string(), cancel),
        }
    }

    /// Writes the JSON structure, letting the model fill each string.
    fn constrained(
        &self,
        generator: &Generator,
        messages: &[Message],
        count: usize,
        why: &str,
        cancel: &Cancel,
    ) -> Result<(Deck, OutlineMethod, Vec<String>)> {
        let mut session = generator.session();
        session.feed(&generator.prompt(messages)?)?;
        let mut fill = Filler {
            session,
            params: self.generation.config().params(64),
            cancel,
        };
        let mut deck = Deck {
            title: fill.string("{\"title\": \"", 24)?,
            ..Deck::default()
        };
        for i in 0..count {
            let open = if i == 0 {
                "\", \"slides\": [\n  {\"title\": \""
            } else {
                "\"},\n  {\"title\": \""
            };
            let mut slide = Slide {
                title: fill.string(open, 20)?,
                ..Slide::default()
            };
            for b in 0..FORCED_BULLETS {
                let open = if b == 0 {
                    "\", \"bullets\": [\""
                } else {
                    "\", \""
                };
                slide.bullets.push(fill.string(open, 40)?);
            }
            slide.notes = fill.string("\"], \"notes\": \"", 80)?;
            slide.bullets.retain(|b| !b.is_empty());
            if slide.title.is_empty() {
                slide.title = format!("{} {}", deck.title, i + 1);
            }
            deck.slides.push(slide);
        }
        if deck.title.is_empty() {
            deck.title = "Untitled".into();
        }
        let note = format!(
            "the model's JSON could not be used ({why}); the outline was written with the structure fixed"
        );
        Ok((deck, OutlineMethod::Constrained, vec![note]))
    }
}

/// Fills the strings of a forced JSON structure.
struct Filler<'a, 'c> {
    session: Session<'a>,
    params: GenerateParams,
    cancel: &'c Cancel,
}

impl Filler<'_, '_> {
    /// Feeds `structure`, then generates one JSON string's content.
    fn string(&mut self, structure: &str, max_tokens: usize) -> Result<String> {
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        self.session.feed(structure)?;
        let params = GenerateParams {
            max_tokens,
            stop: vec!["\"".into(), "\n".into()],
            ..self.params.clone()
        };
        let generation = self.session.generate(&params, &mut |_| Flow::Continue)?;
        Ok(generation.text.trim().replace('\\', ""))
    }
}

fn messages(lang: Lang, topic: &str, count: usize, sources: &str) -> Vec<Message> {
    let system = match lang {
        Lang::En => format!(
            "You write slide-deck outlines from numbered sources. Reply with one JSON object only, shaped like {}. Write exactly {count} slides, each with a short title, 3 to 5 short bullets, and speaker notes that cite the sources they use as [1], [2].",
            schema_hint()
        ),
        Lang::Zh => format!(
            "你根据编号资料写幻灯片大纲。只回复一个 JSON 对象，格式如 {}。写 {count} 页，每页一个简短标题、3 到 5 条简短要点，以及用 [1]、[2] 标注出处的演讲者备注。用中文。",
            schema_hint()
        ),
    };
    let user = match lang {
        Lang::En => format!("Sources:\n\n{sources}\n\nTopic: {topic}"),
        Lang::Zh => format!("资料：\n\n{sources}\n\n主题：{topic}"),
    };
    vec![Message::system(system), Message::user(user)]
}

/// Whether the outline repeats the example in the prompt instead of
/// writing its own (small models do).
fn copies_the_example(deck: &Deck) -> bool {
    let hint = schema_hint();
    deck.slides.iter().any(|slide| {
        std::iter::once(&slide.title)
            .chain(&slide.bullets)
            .any(|text| text.trim().chars().count() > 3 && hint.contains(text.trim()))
    })
}

/// Normalises `[n]` markers in notes and bullets; drops those naming no source.
fn clean_citations(deck: &mut Deck, sources: usize) {
    let clean = |text: &str| {
        let mut filter = CitationFilter::new(sources);
        let mut out = filter.push(text);
        out.push_str(&filter.finish());
        out
    };
    for slide in &mut deck.slides {
        slide.notes = clean(&slide.notes);
        for bullet in &mut slide.bullets {
            *bullet = clean(bullet);
        }
    }
}
