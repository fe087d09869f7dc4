//! Stock phrases Whisper writes when it hears no speech.
//!
//! Whisper was trained on subtitled video, so noise and near-silence come
//! back as the lines that close a video: "Thank you for watching",
//! "ご視聴ありがとうございました", "字幕由Amara.org社区提供",
//! "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", or an echo of the
//! Chinese prompt. A segment is dropped only when its text is such a phrase
//! (possibly repeated) *and* the evidence says it was not speech: Whisper's
//! own no-speech probability, low confidence in its tokens, or audio under
//! it that is near-silent or never rises above the steady noise of its
//! window. Someone who really says "thank you" is loud and uneven, and is
//! kept.
//!
//! Before any of that, windows of steady noise ([`is_steady_noise`]) are
//! not transcribed at all: over hiss or a fan Whisper writes whole
//! confident sentences that no phrase list could hold.
//!
//! This module only judges; [`super::whisper`] gathers the evidence.

use super::text::to_simplified;

/// Whole segments (compared without case, punctuation or spaces, Chinese
/// in Simplified characters; a phrase said twice or more matches too).
const PHRASES: &[&str] = &[
    "Thank you.",
    "Thank you very much.",
    "Thank you so much.",
    "Thank you for watching.",
    "Thank you so much for watching.",
    "Thank you for watching!",
    "Thanks for watching!",
    "Thanks for watching, and I'll see you next time.",
    "Thank you for watching and I'll see you in the next video.",
    "I'll see you in the next video.",
    "See you in the next video.",
    "And then we'll see you in the next video.",
    "See you next time.",
    "Please subscribe to my channel.",
    "Please like and subscribe.",
    "Don't forget to like and subscribe.",
    "Bye.",
    "Bye-bye.",
    "you",
    "谢谢观看",
    "感谢观看",
    "谢谢收看",
    "谢谢大家",
    "谢谢",
    "请订阅",
    "点赞订阅",
    "订阅我的频道",
    "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
    "明镜需要您的支持 欢迎订阅明镜",
    "中文字幕——Yo Yo Television Series Exclusive",
    "优优独播剧场——YoYo Television Series Exclusive",
    // Echoes of the prompt Chinese is decoded after (see super::whisper).
    "以下是普通话的句子",
    "以下是普通话的句子，使用简体中文。",
    "使用简体中文",
    "用简体中文",
    "ご視聴ありがとうございました",
    "チャンネル登録をお願いします",
];

/// Beginnings of subtitle credit lines: anything after them is a name.
const CREDIT_PREFIXES: &[&str] = &[
    "字幕由",
    "字幕by",
    "字幕提供",
    "字幕制作",
    "字幕志愿者",
    "subtitles by",
    "captions by",
    "transcription by",
    "请不吝点赞",
];

/// Fragments that only ever appear in credit lines.
const CREDIT_FRAGMENTS: &[&str] = &["amara.org"];

/// What is known about a segment besides its text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Whisper's probability that the window held no speech.
    pub no_speech: f32,
    /// Mean natural log of the probabilities of the segment's text tokens.
    pub avg_logprob: f32,
    /// Loudness of the segment's audio: its 90th-percentile 20 ms frame, dBFS.
    pub level_db: f32,
    /// The window's steady noise: its 10th-percentile 20 ms frame, dBFS.
    pub floor_db: f32,
}

/// Above this, Whisper itself leans towards "no speech".
const NO_SPEECH: f32 = 0.5;
/// Mean log-probability under which the words were guessed (OpenAI's
/// decoder retries at -1.0; a stock phrase needs less doubt).
const LOW_LOGPROB: f32 = -0.7;
/// Audio quieter than this is no voice (a voice at any usable recording
/// level is well above it).
const QUIET_DB: f32 = -45.0;
/// A voice stands at least this far above the steady noise around it.
const ABOVE_FLOOR_DB: f32 = 10.0;

impl Evidence {
    /// Whether anything says this segment was not speech.
    pub fn against_speech(&self) -> bool {
        self.no_speech > NO_SPEECH
            || self.avg_logprob < LOW_LOGPROB
            || self.level_db < QUIET_DB
            || self.level_db - self.floor_db < ABOVE_FLOOR_DB
    }
}

/// Whether `text` is one of Whisper's stock phrases.
pub fn is_stock_phrase(text: &str) -> bool {
    let text = normalize(text);
    if text.is_empty() {
        return false;
    }
    let prefixed = |p: &&str| text.starts_with(&normalize(p));
    let contains = |f: &&str| text.contains(&normalize(f));
    PHRASES.iter().any(|p| is_repeat_of(&text, &normalize(p)))
        || CREDIT_PREFIXES.iter().any(prefixed)
        || CREDIT_FRAGMENTS.iter().any(contains)
}

/// A stock phrase that the evidence says was not spoken.
pub fn is_hallucination(text: &str, evidence: &Evidence) -> bool {
    is_stock_phrase(text) && evidence.against_speech()
}

/// Lower case, Simplified, letters and digits only (dots kept for domains).
fn normalize(text: &str) -> String {
    to_simplified(&text.to_lowercase())
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .collect::<String>()
        .trim_matches('.')
        .to_string()
}

/// `text` is `unit` once or more, end to end (dots between repeats allowed).
fn is_repeat_of(text: &str, unit: &str) -> bool {
    let unit = unit.trim_matches('.');
    let mut rest = text;
    while let Some(after) = rest.strip_prefix(unit) {
        rest = after.trim_start_matches('.');
        if rest.is_empty() {
            return true;
        }
    }
    false
}

/// Loudness in dBFS of 20 ms frames: (90th percentile of `part`, 10th
/// percentile of `window`), `part` being a slice of `window`.
pub fn levels(window: &[f32], part: &[f32]) -> (f32, f32) {
    (
        percentile_db(part, 0.9).unwrap_or(-120.0),
        percentile_db(window, 0.1).unwrap_or(-120.0),
    )
}

const FRAME: usize = 320;

/// 100 ms: about a syllable, long enough to even out noise's own flicker.
const BLOCK: usize = 1_600;
/// Steady noise varies by less than this from its quietest tenth to its
/// loudest 100 ms: hiss 0.3-0.5 dB, fans 2-3 dB, a deep rumble up to 5
/// (synthetic, 10 s and 2 min). A voice over it stands out further even
/// when barely above it: a sentence Whisper still writes out word for word
/// over a fan at -26 dBFS measures 6.0 dB, and 5.4 dB over as loud a hiss
/// (where Whisper already mishears it).
const VOICE_RANGE_DB: f32 = 5.0;
/// Fewer blocks than this (a second) are too few to tell a voice from
/// steady noise by.
const MIN_BLOCKS: usize = 10;

/// How far the loudest 100 ms of `samples` stands above its quietest tenth,
/// in dB (0 for less than a block).
pub fn dynamic_range_db(samples: &[f32]) -> f32 {
    let db = sorted_db(samples, BLOCK);
    match db.last() {
        Some(loudest) => loudest - db[(db.len() - 1) / 10],
        None => 0.0,
    }
}

/// Whether `samples` are steady noise with no voice in them: a second or
/// more in which nothing stands out from the rest by [`VOICE_RANGE_DB`].
/// Whisper writes whole confident sentences over such audio ("I'm going to
/// put it on the top of the head." five times over -48 dBFS hiss), so it is
/// not given any. A voice much quieter than the noise is lost with it, as
/// it would be to Whisper.
pub fn is_steady_noise(samples: &[f32]) -> bool {
    samples.len() >= MIN_BLOCKS * BLOCK && dynamic_range_db(samples) < VOICE_RANGE_DB
}

fn percentile_db(samples: &[f32], q: f32) -> Option<f32> {
    let db = sorted_db(samples, FRAME);
    let at = (db.len().checked_sub(1)? as f32 * q).round() as usize;
    db.get(at).copied()
}

/// The loudness in dBFS of each whole `size`-sample piece of `samples`,
/// quietest first.
fn sorted_db(samples: &[f32], size: usize) -> Vec<f32> {
    let mut db: Vec<f32> = samples
        .chunks_exact(size)
        .map(|f| {
            let power = f.iter().map(|s| s * s).sum::<f32>() / size as f32;
            10.0 * power.max(1e-12).log10()
        })
        .collect();
    db.sort_by(f32::total_cmp);
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    /// White noise in [-0.5, 0.5), the same for the same seed.
    fn white(mut seed: u32) -> impl FnMut() -> f32 {
        move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        }
    }

    fn confident_speech() -> Evidence {
        Evidence {
            no_speech: 0.01,
            avg_logprob: -0.2,
            level_db: -22.0,
            floor_db: -60.0,
        }
    }

    #[test]
    fn stock_phrases_match_whatever_their_case_script_and_repeats() {
        for text in [
            "Thank you.",
            " thank you ",
            "Thank you. Thank you. Thank you.",
            "THANKS FOR WATCHING!",
            "字幕由Amara.org社区提供",
            "字幕by索兰娅",
            "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
            "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
            "ご視聴ありがとうございました",
            "用简体中文, 用简体中文, 用简体中文。",
            "Subtitles by the Amara.org community",
        ] {
            assert!(is_stock_phrase(text), "{text}");
        }
    }

    #[test]
    fn ordinary_sentences_are_not_stock_phrases() {
        for text in [
            "Thank you for the report on the budget.",
            "He was not an ill-disposed young man.",
            "You said thanks for watching the kids.",
            "广州市房地产中介协会分析",
            "谢谢你的帮助",
            "",
            "...",
        ] {
            assert!(!is_stock_phrase(text), "{text}");
        }
    }

    #[test]
    fn a_stock_phrase_really_spoken_is_kept() {
        assert!(!is_hallucination("Thank you.", &confident_speech()));
        assert!(!is_hallucination("谢谢观看", &confident_speech()));
    }

    #[test]
    fn any_one_piece_of_evidence_drops_a_stock_phrase() {
        let base = confident_speech();
        let cases = [
            Evidence {
                no_speech: 0.8,
                ..base
            },
            Evidence {
                avg_logprob: -1.2,
                ..base
            },
            // Near-silence.
            Evidence {
                level_db: -48.0,
                floor_db: -50.0,
                ..base
            },
            // Steady noise: loud, but nothing stands above its floor.
            Evidence {
                level_db: -30.0,
                floor_db: -33.0,
                ..base
            },
        ];
        for evidence in cases {
            assert!(
                is_hallucination("Thanks for watching!", &evidence),
                "{evidence:?}"
            );
            // Evidence alone never drops an ordinary sentence.
            assert!(!is_hallucination("Turn left at the mill.", &evidence));
        }
    }

    #[test]
    fn steady_noise_has_no_100_ms_standing_out_and_a_voice_does() {
        let mut noise = white(3);
        let hiss: Vec<f32> = (0..160_000).map(|_| noise() * 0.01).collect();
        assert!(is_steady_noise(&hiss), "{}", dynamic_range_db(&hiss));
        // Low-passed (a fan's rumble) flickers more, still well under.
        let mut y = 0.0;
        let fan: Vec<f32> = hiss
            .iter()
            .map(|x| {
                y = 0.95 * y + 0.05 * x;
                y
            })
            .collect();
        assert!(is_steady_noise(&fan), "{}", dynamic_range_db(&fan));
        // One 200 ms syllable 6 dB over the hiss is enough to be heard.
        let mut word = hiss.clone();
        for s in &mut word[80_000..83_200] {
            *s *= 2.0;
        }
        assert!(!is_steady_noise(&word), "{}", dynamic_range_db(&word));
        // Under a second there is too little to judge by.
        assert!(!is_steady_noise(&hiss[..15_000]));
        assert!(is_steady_noise(&hiss[..16_000]));
    }

    #[test]
    fn levels_tell_a_voice_from_steady_noise() {
        let mut noise = white(1);
        // Steady noise at about -20 dBFS: level and floor within a few dB.
        let steady: Vec<f32> = (0..32_000).map(|_| noise() * 0.35).collect();
        let (level, floor) = levels(&steady, &steady);
        assert!((level - floor).abs() < ABOVE_FLOOR_DB, "{level} {floor}");
        // Bursts (syllables) over quiet: far above the floor.
        let bursts: Vec<f32> = (0..32_000)
            .map(|i| noise() * if (i / 3_200) % 2 == 0 { 0.35 } else { 0.002 })
            .collect();
        let (level, floor) = levels(&bursts, &bursts);
        assert!(level - floor > 30.0, "{level} {floor}");
        assert!(level > QUIET_DB);
    }
}
