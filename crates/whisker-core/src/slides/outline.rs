//! Reads a small model's JSON outline into a [`Deck`], tolerantly.
//!
//! [`parse`] finds the JSON (inside a code fence or prose), reads it with a
//! forgiving reader (`lenient`: quotes, commas, unquoted keys, truncation),
//! maps key aliases (`points`/`content` for `bullets`, `speaker_notes` for
//! `notes`, Chinese keys, a bare `slides` array), then holds it to the
//! schema: 1 to 20 slides, each with a title and 1 to 6 bullets of at most
//! 200 characters. What it fixed comes back as a list of repairs; what it
//! cannot fix comes back as an [`OutlineError`] listing every problem, worded
//! so it can go back to the model.
//!
//! It does not prompt a model, nor fill in sources (the caller sets
//! [`Deck::sources`]).
//!
//! ```
//! use whisker_core::slides::outline;
//!
//! let text = "Sure! ```json\n{title: 'Search', slides: [{title: 'Why',
//!     points: ['Finds meaning, not words',]}]\n```";
//! let (deck, repairs) = outline::parse(text).unwrap();
//! assert_eq!(deck.slides[0].bullets, ["Finds meaning, not words"]);
//! assert!(repairs.iter().any(|r| r.contains("points")));
//! ```

pub(crate) mod clean;
mod lenient;

use super::{Deck, Slide};
use lenient::Json;

/// An object's fields, in the order written.
type Fields = [(String, Json)];

pub const MAX_SLIDES: usize = 20;
pub const MAX_BULLETS: usize = 6;
pub const MAX_BULLET_CHARS: usize = 200;
pub const MAX_TITLE_CHARS: usize = 120;
/// Openings of `{` or `[` tried before giving up: prose may hold a few.
const MAX_STARTS: usize = 16;

// Key aliases, normalised (lower case, letters and digits only); the first
// is the schema's own name.
const SLIDES: &[&str] = &["slides", "slide", "pages", "幻灯片", "页面"];
const DECK_TITLE: &[&str] = &[
    "title",
    "decktitle",
    "presentationtitle",
    "topic",
    "标题",
    "主题",
];
const TITLE: &[&str] = &["title", "heading", "header", "slidetitle", "name", "标题"];
const SUBTITLE: &[&str] = &["subtitle", "副标题"];
const BULLETS: &[&str] = &[
    "bullets",
    "bulletpoints",
    "points",
    "keypoints",
    "content",
    "contents",
    "body",
    "items",
    "要点",
    "内容",
    "正文",
];
const NOTES: &[&str] = &[
    "notes",
    "speakernotes",
    "speakernote",
    "presenternotes",
    "note",
    "script",
    "备注",
    "讲稿",
    "演讲者备注",
    "演讲备注",
];

/// Why an outline could not be used, worded for the model's next attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutlineError {
    #[error(
        "no JSON outline found; answer with one JSON object like {}",
        schema_hint()
    )]
    NoJson,
    #[error("the outline does not fit the schema:\n{}", bulleted(.0))]
    Invalid(Vec<String>),
}

impl From<OutlineError> for crate::Error {
    fn from(error: OutlineError) -> Self {
        crate::Error::Invalid(error.to_string())
    }
}

fn bulleted(problems: &[String]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("- {p}")).collect();
    lines.join("\n")
}

/// A compact example of the outline JSON, for prompts.
pub fn schema_hint() -> &'static str {
    r#"{"title": "Deck title", "subtitle": "optional", "slides": [{"title": "Slide title", "bullets": ["Short point", "Another point"], "notes": "What the speaker says, citing sources as [1]"}]}"#
}

/// The deck in `text` and the repairs made to read it, or what is wrong.
pub fn parse(text: &str) -> Result<(Deck, Vec<String>), OutlineError> {
    let found = locate(text).ok_or(OutlineError::NoJson)?;
    let mut build = Build {
        repairs: found.repairs,
        problems: Vec::new(),
        truncated: found.truncated,
    };
    let deck = build.deck(&found.value);
    match build.problems.is_empty() {
        true => Ok((deck, build.repairs)),
        false => Err(OutlineError::Invalid(build.problems)),
    }
}

struct Found {
    value: Json,
    repairs: Vec<String>,
    truncated: bool,
}

/// The first value in `text` that holds slides; failing that, the first
/// object (so the error can say what it lacks).
fn locate(text: &str) -> Option<Found> {
    // Reasoning models think aloud first, braces and all.
    let (text, thought) = match text.rfind("</think>") {
        Some(end) => (&text[end + "</think>".len()..], true),
        None => (text, false),
    };
    let (body, fenced) = unfence(text);
    let starts = body
        .char_indices()
        .filter(|(_, c)| matches!(c, '{' | '['))
        .map(|(i, _)| i)
        .take(MAX_STARTS);
    let mut fallback = None;
    for start in starts {
        let Some(parsed) = lenient::parse(&body[start..]) else {
            continue;
        };
        let outline = slides_root(&parsed.value).is_some();
        if !outline && (fallback.is_some() || !parsed.value.is_object()) {
            continue;
        }
        let after: String = body[start..].chars().skip(parsed.consumed).collect();
        let mut repairs = surroundings(thought, fenced, &body[..start], &after);
        repairs.extend(parsed.repairs);
        let found = Found {
            value: parsed.value,
            repairs,
            truncated: parsed.truncated,
        };
        if outline {
            return Some(found);
        }
        fallback = Some(found);
    }
    fallback
}

/// Repairs for what stood around the JSON.
fn surroundings(thought: bool, fenced: bool, before: &str, after: &str) -> Vec<String> {
    let notes = [
        (thought, "ignored the model's <think> block"),
        (fenced, "removed the Markdown code fence"),
        (!before.trim().is_empty(), "ignored text before the JSON"),
        (!after.trim().is_empty(), "ignored text after the JSON"),
    ];
    notes
        .into_iter()
        .filter(|(applies, _)| *applies)
        .map(|(_, note)| note.to_string())
        .collect()
}

/// The inside of the first ```` ``` ```` fence (to the next fence or the
/// end), when it holds a bracket; else the whole text.
fn unfence(text: &str) -> (&str, bool) {
    let Some(open) = text.find("```") else {
        return (text, false);
    };
    let after = &text[open + 3..];
    let body = &after[after.find('\n').map_or(after.len(), |i| i + 1)..];
    let body = body.find("```").map_or(body, |end| &body[..end]);
    match body.contains(['{', '[']) {
        true => (body, true),
        false => (text, false),
    }
}

/// Where the slides are.
struct Root<'a> {
    /// The object holding title and slides; `None` for a bare array.
    deck: Option<&'a Fields>,
    slides: &'a Json,
    /// The deck sat inside a wrapper such as `{"presentation": {...}}`.
    wrapped: bool,
}

fn slides_root(value: &Json) -> Option<Root<'_>> {
    let root = |deck, slides, wrapped| Root {
        deck,
        slides,
        wrapped,
    };
    match value {
        Json::Array(items) if items.iter().any(Json::is_object) => Some(root(None, value, false)),
        Json::Object(map) => match field(map, SLIDES) {
            Some((_, slides)) => Some(root(Some(map), slides, false)),
            None => map
                .iter()
                .filter_map(|(_, v)| v.as_object())
                .find_map(|inner| {
                    field(inner, SLIDES).map(|(_, slides)| root(Some(inner), slides, true))
                }),
        },
        _ => None,
    }
}

/// The first of `aliases` present in `map`, with the key as written.
fn field<'a>(map: &'a Fields, aliases: &[&str]) -> Option<(&'a str, &'a Json)> {
    aliases.iter().find_map(|alias| {
        map.iter()
            .find(|(key, _)| normalise(key) == *alias)
            .map(|(key, value)| (key.as_str(), value))
    })
}

fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Any value as text: lists joined by spaces, objects' values by `: `.
fn as_text(value: &Json) -> Option<String> {
    let join = |parts: Vec<String>, sep: &str| parts.join(sep);
    Some(match value {
        Json::Null => return None,
        Json::String(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.clone(),
        Json::Array(items) => join(items.iter().filter_map(as_text).collect(), " "),
        Json::Object(map) => join(map.iter().filter_map(|(_, v)| as_text(v)).collect(), ": "),
    })
}

fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Turns the JSON value into a deck, collecting repairs and problems.
struct Build {
    repairs: Vec<String>,
    problems: Vec<String>,
    truncated: bool,
}

impl Build {
    fn repair(&mut self, repair: impl Into<String>) {
        let repair = repair.into();
        if !self.repairs.contains(&repair) {
            self.repairs.push(repair);
        }
    }

    /// `field`, noting when an alias stood in for the schema's name.
    fn get<'a>(&mut self, map: &'a Fields, aliases: &[&str]) -> Option<&'a Json> {
        let (key, value) = field(map, aliases)?;
        if normalise(key) != aliases[0] {
            self.repair(format!("read \"{key}\" as \"{}\"", aliases[0]));
        }
        Some(value)
    }

    fn deck(&mut self, value: &Json) -> Deck {
        let Some(Root {
            deck,
            slides,
            wrapped,
        }) = slides_root(value)
        else {
            self.problems
                .push("no \"slides\" list of slide objects was found".to_string());
            return Deck::default();
        };
        match deck {
            None => self.repair("took a bare list as the slides"),
            Some(map) => {
                if wrapped {
                    self.repair("read the deck from inside a wrapper object");
                }
                let _alias_noted = self.get(map, SLIDES);
            }
        }
        let slides = self.slides(slides);
        let title = deck.and_then(|map| self.title(map, DECK_TITLE));
        let title = title.unwrap_or_else(|| {
            self.repair("no deck title: used the first slide's title");
            slides.first().map(|s| s.title.clone()).unwrap_or_default()
        });
        let subtitle = deck.and_then(|map| self.title(map, SUBTITLE));
        Deck {
            title,
            subtitle,
            slides,
            sources: Vec::new(),
        }
    }

    fn slides(&mut self, value: &Json) -> Vec<Slide> {
        let mut items: Vec<&Json> = match value {
            Json::Array(items) => items.iter().collect(),
            Json::Object(_) => {
                self.repair("read a single slide object as the list of slides");
                vec![value]
            }
            other => {
                let kind = kind(other);
                self.problems.push(format!(
                    "\"slides\" is {kind}; it must be a list of slide objects"
                ));
                return Vec::new();
            }
        };
        if items.is_empty() {
            self.problems.push(format!(
                "the outline has no slides (1 to {MAX_SLIDES} are needed)"
            ));
        }
        if items.len() > MAX_SLIDES {
            self.repair(format!(
                "kept the first {MAX_SLIDES} of {} slides",
                items.len()
            ));
            items.truncate(MAX_SLIDES);
        }
        let mut built: Vec<_> = (1..).zip(items).map(|(n, v)| self.slide(n, v)).collect();
        if self.truncated && built.len() > 1 && built.last().is_some_and(Result::is_err) {
            built.pop();
            self.repair("dropped the last slide, cut off at the end of the output");
        }
        let mut slides = Vec::new();
        for slide in built {
            match slide {
                Ok(slide) => slides.push(slide),
                Err(problems) => self.problems.extend(problems),
            }
        }
        slides
    }

    fn slide(&mut self, n: usize, value: &Json) -> Result<Slide, Vec<String>> {
        let Json::Object(map) = value else {
            let kind = kind(value);
            return Err(vec![format!(
                "slide {n} is {kind}, not an object with \"title\" and \"bullets\""
            )]);
        };
        let title = self.title(map, TITLE).unwrap_or_default();
        let name = match title.as_str() {
            "" => format!("slide {n}"),
            title => format!("slide {n} (\"{title}\")"),
        };
        let bullets = self.bullets(map, &name);
        let notes = self.get(map, NOTES).map(|v| self.notes(v));
        let mut problems = Vec::new();
        if title.is_empty() {
            problems.push(format!("slide {n} has no \"title\""));
        }
        if bullets.is_empty() {
            problems.push(format!(
                "{name} has no \"bullets\" (1 to {MAX_BULLETS} short points are needed)"
            ));
        }
        match problems.is_empty() {
            true => Ok(Slide {
                title,
                bullets,
                notes: notes.unwrap_or_default(),
            }),
            false => Err(problems),
        }
    }

    /// A deck or slide title (or subtitle) as one clean line; `None` when absent or blank.
    fn title(&mut self, map: &Fields, aliases: &[&str]) -> Option<String> {
        let value = self.get(map, aliases)?;
        if !matches!(value, Json::String(_) | Json::Null) {
            self.repair("converted a title of the wrong type to text");
        }
        let title = clean::title(&as_text(value)?);
        let short = clean::shorten(&title, MAX_TITLE_CHARS);
        if short.is_some() {
            self.repair(format!(
                "shortened titles longer than {MAX_TITLE_CHARS} characters"
            ));
        }
        Some(short.unwrap_or(title)).filter(|t| !clean::is_blank(t))
    }

    fn bullets(&mut self, map: &Fields, name: &str) -> Vec<String> {
        let Some(value) = self.get(map, BULLETS) else {
            return Vec::new();
        };
        let mut raw = Vec::new();
        self.collect_items(value, &mut raw);
        let mut items: Vec<String> = raw.iter().map(|s| clean::item(s)).collect();
        let count = items.len();
        items.retain(|s| !clean::is_blank(s));
        if items.len() < count {
            self.repair("dropped empty bullets");
        }
        if items.len() > MAX_BULLETS {
            let count = items.len();
            self.repair(format!(
                "{name}: kept the first {MAX_BULLETS} of {count} bullets"
            ));
            items.truncate(MAX_BULLETS);
        }
        for item in &mut items {
            if let Some(short) = clean::shorten(item, MAX_BULLET_CHARS) {
                *item = short;
                self.repair(format!(
                    "shortened bullets longer than {MAX_BULLET_CHARS} characters"
                ));
            }
        }
        items
    }

    /// Bullet texts from whatever shape the model gave them.
    fn collect_items(&mut self, value: &Json, out: &mut Vec<String>) {
        match value {
            Json::String(text) => {
                let pieces = clean::split_items(text);
                if pieces.iter().filter(|p| !clean::is_blank(p)).count() > 1 {
                    self.repair("split a string of several bullets into bullets");
                }
                out.extend(pieces.into_iter().filter(|p| !p.trim().is_empty()));
            }
            Json::Array(items) => {
                for item in items {
                    match item {
                        Json::Array(_) => self.repair("flattened nested bullet lists"),
                        Json::Object(_) => self.repair("read bullets given as objects"),
                        _ => {}
                    }
                    match item {
                        Json::Object(_) => out.extend(as_text(item)),
                        _ => self.collect_items(item, out),
                    }
                }
            }
            Json::Object(map) => {
                self.repair("read bullets given as an object");
                map.iter().for_each(|(_, v)| self.collect_items(v, out));
            }
            Json::Null => {}
            other => out.extend(as_text(other)),
        }
    }

    fn notes(&mut self, value: &Json) -> String {
        match value {
            Json::String(text) => return text.replace("\r\n", "\n").trim().to_string(),
            Json::Array(_) => self.repair("joined notes given as a list"),
            Json::Null => {}
            _ => self.repair("converted notes of the wrong type to text"),
        }
        let lines: Vec<String> = match value {
            Json::Array(items) => items.iter().filter_map(as_text).collect(),
            other => as_text(other).into_iter().collect(),
        };
        lines.join("\n").trim().to_string()
    }
}

#[cfg(test)]
mod tests;
