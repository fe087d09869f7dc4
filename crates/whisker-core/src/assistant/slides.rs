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
    /// The model only repeated the prompt's example: each slide is a
    /// source's heading and its first sentences, cited.
    Extractive,
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
        let (mut deck, mut method, mut repairs) =
            self.draft(&generator, &messages, count, reply, progress, cancel)?;
        if copies_the_example(&deck) {
            deck = from_sources(topic, &given, count);
            method = OutlineMethod::Extractive;
            repairs.push(format!(
                "{} repeated the example outline; the slides are the sources' own headings and sentences",
                generator.id()
            ));
        }
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
    let copied = |text: &String| {
        // With no sources given, the filter drops every `[n]`.
        let mut filter = CitationFilter::new(0);
        let mut text = filter.push(text);
        text.push_str(&filter.finish());
        let text = text.trim().trim_end_matches([',', '.', ' ']);
        text.chars().count() > 3 && hint.contains(text)
    };
    copied(&deck.title)
        || deck.slides.iter().any(|slide| {
            std::iter::once(&slide.title)
                .chain(&slide.bullets)
                .chain(std::iter::once(&slide.notes))
                .any(copied)
        })
}

/// A deck made of the sources themselves, one slide per source (up to
/// `count`): its heading (else its document's title), its first
/// sentences as bullets, cited, and the next ones as speaker notes, for
/// when the model produced nothing of its own. (The export adds each
/// cited source's label to the notes.)
fn from_sources(topic: &str, given: &[Source], count: usize) -> Deck {
    let mut title: String = topic.chars().take(80).collect();
    if let Some(first) = title.chars().next() {
        title.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
    }
    let slides = given
        .iter()
        .take(count.max(1))
        .map(|source| {
            let mut bullets = sentences(&source.text, FORCED_BULLETS + 2);
            let notes = bullets.split_off(bullets.len().min(FORCED_BULLETS));
            Slide {
                title: source_heading(source),
                bullets: bullets
                    .into_iter()
                    .map(|sentence| format!("{sentence} [{}]", source.n))
                    .collect(),
                notes: notes.join(" "),
            }
        })
        .collect();
    Deck {
        title,
        slides,
        ..Deck::default()
    }
}

fn source_heading(source: &Source) -> String {
    use whisker_ingest::Location;
    let headings = match &source.location {
        Location::Lines { headings, .. }
        | Location::Chapter { headings, .. }
        | Location::Paragraphs { headings, .. } => headings.as_slice(),
        _ => &[],
    };
    let heading = headings
        .last()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    heading.unwrap_or_else(|| {
        if source.title.trim().is_empty() {
            source.label.clone()
        } else {
            source.title.trim().to_string()
        }
    })
}

/// Up to `max` sentences of `text` worth a bullet: Markdown marks and
/// headings dropped, at least three words (or eight CJK characters), each
/// cut to about 140 characters at a word.
fn sentences(text: &str, max: usize) -> Vec<String> {
    // Hard-wrapped lines are joined into their paragraph first, so a
    // sentence that runs over a line break stays whole.
    let mut paragraphs = vec![String::new()];
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('|') {
            paragraphs.push(String::new());
            continue;
        }
        let line = line.trim_start_matches(['-', '*', '>', ' ']);
        if let Some(paragraph) = paragraphs.last_mut() {
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(line);
        }
    }
    let mut out = Vec::new();
    for paragraph in paragraphs.iter().filter(|p| !p.is_empty()) {
        let mut sentence = String::new();
        for c in paragraph.chars() {
            sentence.push(c);
            if matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | ';' | '；') {
                push_sentence(&mut out, &sentence);
                sentence.clear();
            }
        }
        push_sentence(&mut out, &sentence);
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    out
}

fn push_sentence(out: &mut Vec<String>, sentence: &str) {
    let sentence = sentence.trim();
    let cjk = sentence.chars().filter(|c| *c as u32 >= 0x2E80).count();
    if sentence.split_whitespace().count() < 3 && cjk < 8 {
        return;
    }
    out.push(outline::clean::shorten(sentence, 140).unwrap_or_else(|| sentence.to_string()));
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

#[cfg(test)]
mod tests {
    use whisker_ingest::Location;

    use super::*;

    fn source(n: usize, headings: &[&str], text: &str) -> Source {
        Source {
            n,
            path: "/docs/meeting_notes.md".into(),
            title: "Meeting notes".into(),
            kind: "markdown".into(),
            location: Location::Lines {
                headings: headings.iter().map(|h| h.to_string()).collect(),
                start: 10,
                end: 16,
            },
            label: "meeting_notes.md, lines 10–16".into(),
            text: text.into(),
            chunk_id: 7,
            cited: false,
        }
    }

    /// What SmolLM2-135M wrote in the app test: the prompt's example with
    /// a second marker added.
    #[test]
    fn the_example_is_recognised_even_with_markers_added() {
        let echoed = Deck {
            title: "Deck title".into(),
            slides: vec![Slide {
                title: "Why a mouse button".into(),
                bullets: vec!["A real point".into()],
                notes: "What the speaker says, citing sources as [1], [2]".into(),
            }],
            ..Deck::default()
        };
        assert!(copies_the_example(&echoed));
        let own = Deck {
            title: "The AI mouse button".into(),
            slides: vec![Slide {
                title: "Push to talk".into(),
                bullets: vec!["Hold the button and speak [1]".into()],
                notes: "Holding it starts push-to-talk [1].".into(),
            }],
            ..Deck::default()
        };
        assert!(!copies_the_example(&own));
    }

    #[test]
    fn an_extractive_deck_is_the_sources_headings_and_sentences_cited() {
        let given = [
            source(
                1,
                &["Meeting notes", "2026-11-25 — the mouse button"],
                "## 2026-11-25 — the mouse button\n\nThe spare thumb button on a five-button mouse opens the Whisker popup. Holding\nit down starts push-to-talk; releasing it sends the question. Ok.\nThe popup shows the answer with its sources.\n",
            ),
            source(2, &[], "团队本周完成了语音输入的测试，并修复了三个问题。"),
            source(3, &["Unused"], "Only two slides were asked for."),
        ];
        let deck = from_sources("the AI mouse button", &given, 2);
        assert_eq!(deck.title, "The AI mouse button");
        assert_eq!(deck.slides.len(), 2);
        assert_eq!(deck.slides[0].title, "2026-11-25 — the mouse button");
        assert_eq!(
            deck.slides[0].bullets[0],
            "The spare thumb button on a five-button mouse opens the Whisker popup. [1]"
        );
        assert_eq!(
            deck.slides[0].bullets[1], "Holding it down starts push-to-talk; [1]",
            "a sentence over a line break stays whole"
        );
        assert!(deck.slides[0].bullets.iter().all(|b| !b.starts_with("Ok")));
        assert_eq!(
            deck.slides[0].notes, "The popup shows the answer with its sources.",
            "the sentences after the bullets are the speaker notes"
        );
        assert_eq!(deck.slides[1].notes, "");
        assert_eq!(deck.slides[1].title, "Meeting notes");
        assert_eq!(
            deck.slides[1].bullets,
            ["团队本周完成了语音输入的测试，并修复了三个问题。 [2]"]
        );
        assert!(!copies_the_example(&deck));
    }

    #[test]
    fn long_sentences_are_cut_at_a_word() {
        let long = "word ".repeat(60);
        let cut = sentences(&long, 3);
        assert_eq!(cut.len(), 1);
        assert!(cut[0].ends_with('…') && cut[0].chars().count() <= 141);
        assert!(!cut[0].contains("wor…"));
    }
}
