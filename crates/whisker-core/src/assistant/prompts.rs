//! What Whisker tells the model, in English or Chinese (the user's language).

use serde::{Deserialize, Serialize};

/// The language a reply should be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Chinese when Han characters are at least as many as words in other
    /// scripts (a Chinese sentence naming `report.pdf` is still Chinese).
    pub fn of(text: &str) -> Lang {
        let (mut han, mut words, mut in_word) = (0usize, 0usize, false);
        for c in text.chars() {
            let latin = c.is_alphabetic() && !is_han(c);
            if is_han(c) {
                han += 1;
            } else if latin && !in_word {
                words += 1;
            }
            in_word = latin;
        }
        if han > 0 && han >= words {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The system prompt for answering from numbered sources.
pub fn ask_system(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "You are Whisker, a helpful assistant that answers questions using only the numbered \
             sources the user gives. After each sentence that uses a source, cite it with its \
             number in square brackets, like [1] or [2]. If the sources do not contain the \
             answer, say that you could not find it in the documents. Be brief and factual."
        }
        Lang::Zh => {
            "你是 Whisker，一个只根据用户提供的编号资料回答问题的助手。每句用到资料的话后面，用方括号标出资料编号，\
             例如 [1] 或 [2]。如果资料中没有答案，就说在文档中没有找到。回答简洁、准确，用中文。"
        }
    }
}

/// The user turn: the sources, then the question.
pub fn ask_user(lang: Lang, sources: &str, question: &str) -> String {
    match lang {
        Lang::En => format!("Sources:\n\n{sources}\n\nQuestion: {question}"),
        Lang::Zh => format!("资料：\n\n{sources}\n\n问题：{question}"),
    }
}

/// Shown (not generated) when nothing relevant was found.
pub fn not_found(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "I could not find anything about this in your documents. Try other words, or add the \
             documents that cover it."
        }
        Lang::Zh => "在你的文档中没有找到相关内容。可以换个说法，或先添加相关文档。",
    }
}

/// The system prompt for summarising one part of a document.
pub fn part_system(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "You summarise a part of a document in 2 to 4 plain sentences. Keep names, numbers \
             and conclusions. Write only the summary."
        }
        Lang::Zh => "用 2 到 4 句话概括文档的这一部分，保留名称、数字和结论。只写概括，用中文。",
    }
}

pub fn part_user(lang: Lang, title: &str, label: &str, text: &str) -> String {
    match lang {
        Lang::En => format!("Document: {title} ({label})\n\n{text}\n\nSummary:"),
        Lang::Zh => format!("文档：{title}（{label}）\n\n{text}\n\n概括："),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_the_script_of_the_question() {
        assert_eq!(Lang::of("What is Debian?"), Lang::En);
        assert_eq!(Lang::of("Debian 是什么？"), Lang::Zh);
        assert_eq!(Lang::of("总结 report.pdf"), Lang::Zh);
        assert_eq!(Lang::of("1234"), Lang::En);
    }
}
