//! The deck model every exporter reads: title, slides with bullets and
//! speaker notes, and the sources the notes cite as `[n]`.
//!
//! It holds no layout: fonts, sizes and positions belong to each exporter.
//! What the exporters share is here: the Sources slides, and notes that
//! spell out which source each `[n]` is, so a person can read them alone.

use serde::{Deserialize, Serialize};

/// How many sources fit on one Sources slide before it continues on another.
pub const SOURCES_PER_SLIDE: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deck {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    pub slides: Vec<Slide>,
    /// What the `[n]` markers in the notes refer to, in order of `n`.
    #[serde(default)]
    pub sources: Vec<SourceRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slide {
    pub title: String,
    pub bullets: Vec<String>,
    /// Speaker notes; may cite sources as `[n]`. Empty when there are none.
    #[serde(default)]
    pub notes: String,
}

/// One cited source: `n` as in `[n]`, and a label such as `report.pdf, p. 3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub n: usize,
    pub label: String,
}

impl Deck {
    /// Every slide an exporter writes after the title slide: the deck's
    /// slides, each with [`Deck::notes_for`] as its notes, then the
    /// [`Deck::source_slides`] (which have no notes).
    pub fn slides_with_sources(&self) -> Vec<Slide> {
        let slides = self.slides.iter().map(|slide| Slide {
            notes: self.notes_for(slide),
            ..slide.clone()
        });
        slides.chain(self.source_slides()).collect()
    }

    /// The final slides listing every source as `[n] label`, continued over
    /// several slides when there are many; none when there are no sources.
    pub fn source_slides(&self) -> Vec<Slide> {
        let heading = if has_cjk(&self.title) {
            "参考来源"
        } else {
            "Sources"
        };
        let pages: Vec<_> = self.sources.chunks(SOURCES_PER_SLIDE).collect();
        let count = pages.len();
        pages
            .into_iter()
            .enumerate()
            .map(|(i, page)| Slide {
                title: match count {
                    1 => heading.to_string(),
                    _ => format!("{heading} ({}/{count})", i + 1),
                },
                bullets: page
                    .iter()
                    .map(|s| format!("[{}] {}", s.n, s.label))
                    .collect(),
                notes: String::new(),
            })
            .collect()
    }

    /// The slide's notes followed by the label of each source the slide
    /// cites (in its notes or bullets), so the notes make sense on paper.
    pub fn notes_for(&self, slide: &Slide) -> String {
        let mut cited = citations(&slide.notes);
        for bullet in &slide.bullets {
            cited.extend(citations(bullet));
        }
        cited.sort_unstable();
        cited.dedup();
        let labels: Vec<String> = cited
            .iter()
            .filter_map(|n| self.sources.iter().find(|s| s.n == *n))
            .map(|s| format!("[{}] {}", s.n, s.label))
            .collect();
        match (slide.notes.trim(), labels.is_empty()) {
            (notes, true) => notes.to_string(),
            ("", false) => labels.join("\n"),
            (notes, false) => format!("{notes}\n\n{}", labels.join("\n")),
        }
    }
}

/// The numbers cited in `text` as `[1]`, `[2, 3]` or `[4][5]`, in order.
pub fn citations(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        let inside = &rest[..close];
        let numbers: Option<Vec<usize>> = inside
            .split([',', '，'])
            .map(|n| n.trim().parse().ok())
            .collect();
        if let Some(numbers) = numbers {
            found.extend(numbers);
            rest = &rest[close + 1..];
        }
    }
    found
}

/// True when `text` has Han, kana or Hangul: such text wants an East Asian font.
pub fn has_cjk(text: &str) -> bool {
    text.chars().any(whisker_ingest::is_cjk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deck(sources: usize) -> Deck {
        Deck {
            title: "Search".into(),
            sources: (1..=sources)
                .map(|n| SourceRef {
                    n,
                    label: format!("doc{n}.pdf, p. {n}"),
                })
                .collect(),
            ..Deck::default()
        }
    }

    #[test]
    fn citations_reads_single_grouped_and_adjacent_markers() {
        assert_eq!(citations("a [1] b [2, 3][4] c"), vec![1, 2, 3, 4]);
        assert_eq!(citations("见[2，5]"), vec![2, 5]);
        assert_eq!(citations("[x] [] [1 [2]"), vec![2]);
        assert!(citations("no markers [").is_empty());
    }

    #[test]
    fn notes_for_appends_labels_of_cited_sources_only() {
        let deck = deck(3);
        let slide = Slide {
            title: "t".into(),
            bullets: vec!["fast [3]".into()],
            notes: "Explain recall [1].".into(),
        };
        assert_eq!(
            deck.notes_for(&slide),
            "Explain recall [1].\n\n[1] doc1.pdf, p. 1\n[3] doc3.pdf, p. 3"
        );
    }

    #[test]
    fn notes_for_without_citations_is_the_notes() {
        let slide = Slide {
            notes: " plain [9] ".into(),
            ..Slide::default()
        };
        assert_eq!(deck(2).notes_for(&slide), "plain [9]");
    }

    #[test]
    fn source_slides_continue_over_several_slides() {
        assert!(deck(0).source_slides().is_empty());
        let one = deck(3).source_slides();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].title, "Sources");
        assert_eq!(one[0].bullets[2], "[3] doc3.pdf, p. 3");
        let many = deck(SOURCES_PER_SLIDE + 1).source_slides();
        assert_eq!(many.len(), 2);
        assert_eq!(many[1].title, "Sources (2/2)");
        assert_eq!(many[1].bullets.len(), 1);
    }

    #[test]
    fn slides_with_sources_spell_out_citations_and_end_with_sources() {
        let mut deck = deck(1);
        deck.slides.push(Slide {
            title: "t".into(),
            bullets: vec!["b".into()],
            notes: "see [1]".into(),
        });
        let all = deck.slides_with_sources();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].notes, "see [1]\n\n[1] doc1.pdf, p. 1");
        assert_eq!(all[1].title, "Sources");
        assert_eq!(all[1].notes, "");
    }

    #[test]
    fn chinese_deck_gets_a_chinese_sources_heading() {
        let mut deck = deck(1);
        deck.title = "向量检索".into();
        assert_eq!(deck.source_slides()[0].title, "参考来源");
    }
}
