//! `write`: rewrite a text (polish, shorten, expand, continue, translate,
//! summarise), optionally drawing on the library with citations.
//!
//! The output is only the new text, ready to paste back: a chatty opening
//! line ("Sure! Here is the polished text:") and quotes or a code fence
//! around the whole reply are removed while it streams.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use whisker_models::generate::{Finish, Flow, Message};

use super::citations::CitationFilter;
use super::prompts::Lang;
use super::sources::{self, Source};
use super::{Answer, Assistant};
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress, Stage};

/// Chunks retrieved for a grounded rewrite.
const GROUNDING_K: usize = 4;

/// What to do with the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteMode {
    Polish,
    Shorten,
    Expand,
    Continue,
    Translate,
    Summarize,
}

impl WriteMode {
    pub const ALL: [WriteMode; 6] = [
        WriteMode::Polish,
        WriteMode::Shorten,
        WriteMode::Expand,
        WriteMode::Continue,
        WriteMode::Translate,
        WriteMode::Summarize,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WriteMode::Polish => "polish",
            WriteMode::Shorten => "shorten",
            WriteMode::Expand => "expand",
            WriteMode::Continue => "continue",
            WriteMode::Translate => "translate",
            WriteMode::Summarize => "summarize",
        }
    }

    /// The instruction, in the language of the output.
    fn instruction(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (WriteMode::Polish, Lang::En) => {
                "Rewrite the text so it reads clearly and correctly. Keep its meaning, facts and length."
            }
            (WriteMode::Shorten, Lang::En) => {
                "Rewrite the text in about half as many words. Keep the key facts."
            }
            (WriteMode::Expand, Lang::En) => {
                "Rewrite the text at about twice the length, adding detail and explanation. Do not invent facts."
            }
            (WriteMode::Continue, Lang::En) => {
                "Continue the text with the next few sentences, in the same style. Write only the continuation."
            }
            (WriteMode::Translate, Lang::En) => "Translate the text into English.",
            (WriteMode::Summarize, Lang::En) => "Summarize the text in a few sentences.",
            (WriteMode::Polish, Lang::Zh) => "润色这段文字，使其通顺、准确，保持原意、事实和长度。",
            (WriteMode::Shorten, Lang::Zh) => "把这段文字缩写到约一半长度，保留要点。",
            (WriteMode::Expand, Lang::Zh) => {
                "把这段文字扩写到约两倍长度，补充细节和解释，不要编造事实。"
            }
            (WriteMode::Continue, Lang::Zh) => "按同样的风格续写这段文字的后几句。只写续写的部分。",
            (WriteMode::Translate, Lang::Zh) => "把这段文字翻译成简体中文。",
            (WriteMode::Summarize, Lang::Zh) => "用几句话概括这段文字。",
        }
    }

    /// Tokens the reply may need, for an input of `input` tokens.
    fn reply_tokens(self, input: usize) -> usize {
        match self {
            WriteMode::Shorten => input * 2 / 3 + 32,
            WriteMode::Expand => input * 5 / 2 + 64,
            WriteMode::Continue => 200,
            WriteMode::Summarize => 200,
            WriteMode::Polish | WriteMode::Translate => input * 3 / 2 + 64,
        }
    }
}

/// A rewrite to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteRequest {
    pub mode: WriteMode,
    pub text: String,
    /// The output language for `translate` (default: the other one).
    pub to: Option<Lang>,
    /// Draw on the library, citing it with `[n]`.
    #[serde(default)]
    pub grounded: bool,
}

/// The rewritten text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rewrite {
    pub mode: WriteMode,
    pub text: String,
    /// With `grounded`: the passages given, `cited` marking those used.
    pub sources: Vec<Source>,
    pub finish: Finish,
    pub stats: super::AnswerStats,
}

impl Assistant {
    /// Rewrites `request.text`, streaming the new text as [`Event::Token`]s.
    pub fn write(
        &self,
        request: &WriteRequest,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Rewrite> {
        let started = Instant::now();
        let input = request.text.trim();
        if input.is_empty() {
            return Err(Error::Invalid("there is no text to rewrite".into()));
        }
        let source_lang = Lang::of(input);
        let lang = match (request.mode, request.to) {
            (_, Some(to)) => to,
            (WriteMode::Translate, None) if source_lang == Lang::Zh => Lang::En,
            (WriteMode::Translate, None) => Lang::Zh,
            _ => source_lang,
        };
        let sources = if request.grounded {
            progress.event(&Event::Stage {
                stage: Stage::Retrieve,
                detail: String::new(),
            });
            let query: String = input.chars().take(500).collect();
            {
                // A paragraph holds many words a passage need not share:
                // ask for half the coverage a question needs.
                let mut thresholds = self.thresholds();
                thresholds.min_coverage /= 2.0;
                let (hits, relevance) =
                    sources::retrieve(&self.library, &query, GROUNDING_K, thresholds)?;
                if relevance.is_relevant(thresholds) {
                    hits
                } else {
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let generator = self.generator(progress)?;
        let input_tokens = generator.count_tokens(input)?;
        let reply = request.mode.reply_tokens(input_tokens);
        let mut messages = vec![
            Message::system(system(request.mode, lang, false)),
            Message::user(plain_user(request.mode, lang, input)),
        ];
        let needed = generator.prompt_tokens(&messages)? + reply.min(256);
        if needed > generator.context_len() {
            return Err(Error::Invalid(format!(
                "the text is {input_tokens} tokens, too long for {} (its context window is {} tokens); select less text",
                generator.id(),
                generator.context_len()
            )));
        }
        let mut given = Vec::new();
        if !sources.is_empty() {
            let budget = generator
                .context_len()
                .saturating_sub(needed + reply.min(512));
            given = sources::fit(&generator, &sources, budget, 300)?;
            messages[0] = Message::system(system(request.mode, lang, !given.is_empty()));
            messages[1] = Message::user(grounded_user(lang, &sources::render(&given), input));
        }
        let room = generator
            .context_len()
            .saturating_sub(generator.prompt_tokens(&messages)? + 8);
        let answer = self.stream_rewrite(
            &generator,
            &messages,
            given,
            reply.min(room),
            started,
            progress,
            cancel,
        )?;
        Ok(Rewrite {
            mode: request.mode,
            text: answer.text,
            sources: answer.sources,
            finish: answer.finish.unwrap_or(Finish::Eos),
            stats: answer.stats,
        })
    }

    /// Generates with the preamble and citation filters in front of the user.
    #[allow(clippy::too_many_arguments)]
    fn stream_rewrite(
        &self,
        generator: &whisker_models::generate::Generator,
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
        let mut lead = LeadFilter::default();
        let mut citations = CitationFilter::new(sources.len());
        let mut first_token = None;
        let emit = |text: String, first: &mut Option<f64>| {
            if !text.is_empty() {
                first.get_or_insert_with(|| started.elapsed().as_secs_f64() * 1000.0);
                progress.event(&Event::Token { text });
            }
        };
        let params = self.generation.config().params(reply);
        let params = whisker_models::generate::GenerateParams {
            max_tokens: reply.max(1),
            ..params
        };
        let generation = generator.chat(messages, &params, &mut |piece| {
            if cancel.is_cancelled() {
                return Flow::Stop;
            }
            emit(citations.push(&lead.push(piece)), &mut first_token);
            Flow::Continue
        })?;
        if generation.finish == Finish::Cancelled {
            return Err(Error::Cancelled);
        }
        let tail = lead.finish();
        let mut rest = citations.push(&tail);
        rest.push_str(&citations.finish());
        emit(rest, &mut first_token);
        for n in citations.cited() {
            sources[n - 1].cited = true;
        }
        Ok(Answer {
            question: String::new(),
            text: unwrap_quotes(citations.text()),
            basis: super::Basis::Passages,
            sources,
            relevance: None,
            note: None,
            finish: Some(generation.finish),
            stats: super::AnswerStats {
                model: Some(generator.id().to_string()),
                prompt_tokens: generation.prompt_tokens,
                reused_tokens: generation.reused_tokens,
                tokens: generation.tokens,
                first_token_ms: first_token,
                total_ms: started.elapsed().as_secs_f64() * 1000.0,
                dropped_citations: citations.dropped(),
            },
        })
    }
}

fn system(mode: WriteMode, lang: Lang, grounded: bool) -> String {
    let (role, only, cite) = match lang {
        Lang::En => (
            "You are a writing assistant.",
            "Reply with the new text only: no introduction, no notes, no quotes around it.",
            "Use the numbered sources where they help, and cite them like [1].",
        ),
        Lang::Zh => (
            "你是写作助手。",
            "只输出结果文字，不要开场白、说明或引号。",
            "需要时参考编号资料，并用 [1] 这样的编号标注出处。",
        ),
    };
    let mut out = format!("{role} {} {only}", mode.instruction(lang));
    if grounded {
        out.push(' ');
        out.push_str(cite);
    }
    out
}

/// The instruction again, then the text: a small model given the text alone
/// answers it as if it were a request.
fn plain_user(mode: WriteMode, lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => format!("{}\n\nText:\n\n{text}", mode.instruction(lang)),
        Lang::Zh => format!("{}\n\n文字：\n\n{text}", mode.instruction(lang)),
    }
}

fn grounded_user(lang: Lang, sources: &str, text: &str) -> String {
    match lang {
        Lang::En => format!("Sources:\n\n{sources}\n\nText:\n\n{text}"),
        Lang::Zh => format!("资料：\n\n{sources}\n\n文字：\n\n{text}"),
    }
}

/// Drops a chatty first line ("Sure, here is the text:") and leading
/// whitespace. Holds the first line back until it is complete.
#[derive(Debug, Default)]
struct LeadFilter {
    held: String,
    decided: bool,
}

impl LeadFilter {
    fn push(&mut self, piece: &str) -> String {
        if self.decided {
            return piece.to_string();
        }
        self.held.push_str(piece);
        let trimmed = self.held.trim_start();
        match trimmed.find('\n') {
            Some(end) if is_preamble(&trimmed[..end]) => {
                self.held = trimmed[end..].trim_start().to_string();
                // The next line may be another preamble or the text.
                self.push("")
            }
            Some(_) => self.release(),
            None if trimmed.chars().count() > 120 => self.release(),
            None => String::new(),
        }
    }

    fn finish(&mut self) -> String {
        if self.decided {
            return String::new();
        }
        let trimmed = self.held.trim_start();
        if is_preamble(trimmed) {
            self.held.clear();
        }
        self.release()
    }

    fn release(&mut self) -> String {
        self.decided = true;
        std::mem::take(&mut self.held).trim_start().to_string()
    }
}

fn is_preamble(line: &str) -> bool {
    let line = line.trim();
    let lower = line.to_lowercase();
    let opener = [
        "sure",
        "certainly",
        "of course",
        "here is",
        "here's",
        "okay",
        "ok,",
        "好的",
        "以下是",
        "当然",
    ]
    .iter()
    .any(|w| lower.starts_with(w));
    let ends =
        line.ends_with(':') || line.ends_with('：') || line.ends_with('!') || line.ends_with('！');
    (opener && ends) || line == "```" || lower.starts_with("```")
}

/// Removes one pair of quotes or a code fence around the whole text.
fn unwrap_quotes(text: &str) -> String {
    let t = text.trim();
    let t = t.strip_suffix("```").map_or(t, str::trim_end);
    for (open, close) in [("\"", "\""), ("“", "”"), ("「", "」"), ("'", "'")] {
        if let Some(inner) = t.strip_prefix(open).and_then(|s| s.strip_suffix(close))
            && !inner.contains(open)
        {
            return inner.trim().to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pieces: &[&str]) -> String {
        let mut lead = LeadFilter::default();
        let mut out: String = pieces.iter().map(|p| lead.push(p)).collect();
        out.push_str(&lead.finish());
        out
    }

    #[test]
    fn a_chatty_first_line_is_dropped() {
        assert_eq!(
            filter(&["Sure! Here is the polished", " text:\n\nThe cat sat."]),
            "The cat sat."
        );
        assert_eq!(
            filter(&["好的，以下是润色后的文字：\n猫坐着。"]),
            "猫坐着。"
        );
        assert_eq!(filter(&["```\nThe cat sat.\n```"]), "The cat sat.\n```");
    }

    #[test]
    fn ordinary_text_passes_unchanged() {
        assert_eq!(
            filter(&["Here we go", " again.\nSecond line."]),
            "Here we go again.\nSecond line."
        );
        assert_eq!(filter(&["  The cat", " sat."]), "The cat sat.");
    }

    #[test]
    fn quotes_around_everything_are_removed() {
        assert_eq!(unwrap_quotes("\"The cat sat.\""), "The cat sat.");
        assert_eq!(unwrap_quotes("“猫坐着。”"), "猫坐着。");
        assert_eq!(unwrap_quotes("\"a\" and \"b\""), "\"a\" and \"b\"");
        assert_eq!(unwrap_quotes("The cat sat.\n```"), "The cat sat.");
    }
}
