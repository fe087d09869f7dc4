//! A forgiving JSON reader for what small models write: single or smart
//! quotes, unquoted keys and text values, trailing or missing commas,
//! comments, full-width `：` and `，`, raw line breaks and stray quotes inside
//! strings, and output cut off mid-string or mid-array (whatever is open is
//! closed). It returns a [`Json`] value, objects in the order written, and
//! the repairs it made.
//!
//! It does not look for the JSON inside prose (the caller points it at the
//! opening bracket), nor check any schema. Valid JSON reads as serde_json
//! would read it.

/// A JSON value whose objects keep their keys in the order written (a
/// model's `{"point": .., "detail": ..}` reads back in that order).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(fields) => Some(fields),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }
}

/// Containers nested deeper than this are refused: a model's outline needs
/// three levels, and recursion must not overflow the stack on hostile text.
const MAX_DEPTH: usize = 64;

#[derive(Debug)]
pub struct Parsed {
    pub value: Json,
    /// What was fixed, each kind once, in the order first met.
    pub repairs: Vec<String>,
    /// The text ended inside a string or a container.
    pub truncated: bool,
    /// Characters read; what follows is not part of the value.
    pub consumed: usize,
}

/// Reads one value from the start of `text`; `None` when there is none (an
/// empty text, or nesting deeper than [`MAX_DEPTH`]).
pub fn parse(text: &str) -> Option<Parsed> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        pos: 0,
        depth: 0,
        repairs: Vec::new(),
        truncated: false,
        closed_at_end: 0,
    };
    reader.skip_space();
    let value = reader.value()?.ok()?;
    if reader.closed_at_end > 0 {
        let n = reader.closed_at_end;
        reader.note(&format!("closed {n} bracket(s) left open at the end"));
    }
    Some(Parsed {
        value,
        repairs: reader.repairs,
        truncated: reader.truncated,
        consumed: reader.pos,
    })
}

/// `Err(())` means too deep; `None` from [`Reader::value`] means the text ended.
type Step = Result<Json, ()>;

struct Reader {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    repairs: Vec<String>,
    truncated: bool,
    closed_at_end: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn note(&mut self, repair: &str) {
        if !self.repairs.iter().any(|r| r == repair) {
            self.repairs.push(repair.to_string());
        }
    }

    /// Skips white space (ASCII, ideographic, BOM) and `//` or `/* */` comments.
    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '\u{FEFF}' {
                self.pos += 1;
            } else if c == '/' && self.chars.get(self.pos + 1) == Some(&'/') {
                self.note("removed comments");
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
            } else if c == '/' && self.chars.get(self.pos + 1) == Some(&'*') {
                self.note("removed comments");
                self.pos += 2;
                while self.pos < self.chars.len() && !self.at("*/") {
                    self.pos += 1;
                }
                self.pos = (self.pos + 2).min(self.chars.len());
            } else {
                break;
            }
        }
    }

    fn at(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    /// The next value, or `None` when the text ends first.
    fn value(&mut self) -> Option<Step> {
        self.skip_space();
        let c = self.peek()?;
        Some(match c {
            '{' | '[' => self.container(c),
            '"' | '\'' | '“' | '”' | '‘' | '’' => Ok(Json::String(self.string())),
            '-' | '0'..='9' => Ok(self.number()),
            _ => Ok(self.bare_value()),
        })
    }

    fn container(&mut self, open: char) -> Step {
        if self.depth >= MAX_DEPTH {
            return Err(());
        }
        self.depth += 1;
        self.pos += 1;
        let value = if open == '{' {
            self.object().map(Json::Object)
        } else {
            self.array().map(Json::Array)
        };
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Result<Vec<(String, Json)>, ()> {
        let mut map = Vec::new();
        loop {
            match self.before_item('}') {
                Item::End => return Ok(map),
                Item::Next => {}
            }
            let Some(key) = self.key() else { continue };
            self.skip_space();
            match self.peek() {
                Some(':') => self.pos += 1,
                Some('：') => {
                    self.note("read full-width ： and ， as JSON punctuation");
                    self.pos += 1;
                }
                Some(_) => self.note("inserted missing colons"),
                None => {}
            }
            match self.value() {
                Some(value) => map.push((key, value?)),
                None => {
                    self.ended();
                    return Ok(map);
                }
            }
            self.after_item('}');
        }
    }

    fn array(&mut self) -> Result<Vec<Json>, ()> {
        let mut items = Vec::new();
        loop {
            match self.before_item(']') {
                Item::End => return Ok(items),
                Item::Next => {}
            }
            match self.value() {
                Some(value) => items.push(value?),
                None => return Ok(items),
            }
            self.after_item(']');
        }
    }

    /// Handles what may come where an item could start: the closing bracket,
    /// the wrong closing bracket, stray commas, or the end of the text.
    fn before_item(&mut self, close: char) -> Item {
        loop {
            self.skip_space();
            match self.peek() {
                None => {
                    self.ended();
                    return Item::End;
                }
                Some(c) if c == close => {
                    if self.follows_comma() {
                        self.note("removed trailing or doubled commas");
                    }
                    self.pos += 1;
                    return Item::End;
                }
                // The other kind of bracket: close this one and leave that
                // one to the container it belongs to.
                Some('}' | ']') => {
                    self.note("fixed mismatched brackets");
                    return Item::End;
                }
                Some(',' | '，') => {
                    self.note("removed trailing or doubled commas");
                    self.pos += 1;
                }
                Some(_) => return Item::Next,
            }
        }
    }

    /// The text ended inside a container, which is closed.
    fn ended(&mut self) {
        self.truncated = true;
        self.closed_at_end += 1;
    }

    fn follows_comma(&self) -> bool {
        let before = self.chars[..self.pos]
            .iter()
            .rev()
            .find(|c| !c.is_whitespace());
        matches!(before, Some(',' | '，'))
    }

    /// After an item: a comma, the closing bracket, or a missing comma.
    fn after_item(&mut self, close: char) {
        self.skip_space();
        match self.peek() {
            Some(',') => self.pos += 1,
            Some('，') => {
                self.note("read full-width ： and ， as JSON punctuation");
                self.pos += 1;
            }
            Some(c) if c == close || c == '}' || c == ']' => {}
            Some(_) => self.note("inserted missing commas"),
            None => {}
        }
    }

    /// An object key: quoted, or bare up to the colon. `None` when there was
    /// no key here; one character is skipped so reading always moves on.
    fn key(&mut self) -> Option<String> {
        match self.peek() {
            Some('"' | '\'' | '“' | '”' | '‘' | '’') => return Some(self.string()),
            Some('{' | '[') => {
                self.note("skipped text where a key belongs");
                self.pos += 1;
                return None;
            }
            _ => {}
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && !":：,，{}[]\"".contains(c))
        {
            self.pos += 1;
        }
        if self.pos == start {
            self.pos += 1;
            return None;
        }
        self.note("quoted unquoted keys");
        Some(self.chars[start..self.pos].iter().collect())
    }

    /// A string opened by the quote at `pos`; see [`Reader::closes`] for how
    /// its end is found.
    fn string(&mut self) -> String {
        let open = self.chars[self.pos];
        match open {
            '\'' => self.note("replaced single quotes"),
            '“' | '”' | '‘' | '’' => self.note("replaced smart quotes around strings"),
            _ => {}
        }
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '\\' {
                self.escape(&mut out);
            } else if is_closer(open, c) && self.closes() {
                return out;
            } else {
                if is_closer(open, c) {
                    self.note("kept stray quotes inside strings");
                }
                out.push(c);
            }
        }
        self.truncated = true;
        self.note("closed a string cut off at the end");
        out
    }

    /// A quote closes its string only when what follows could follow a
    /// string: punctuation, another quote, or the end. Valid JSON always
    /// does, and `"He said "hi" twice"` keeps its inner quotes.
    fn closes(&self) -> bool {
        let next = self.chars[self.pos..].iter().find(|c| !c.is_whitespace());
        match next {
            None => true,
            Some(c) => ",，:：}]\"'“”‘’/".contains(*c),
        }
    }

    fn escape(&mut self, out: &mut String) {
        let Some(c) = self.peek() else { return };
        self.pos += 1;
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{C}'),
            'u' => out.push(self.unicode_escape()),
            '"' | '\\' | '/' | '\'' => out.push(c),
            // `C:\Users`: not an escape, so keep the backslash.
            _ => {
                out.push('\\');
                out.push(c);
            }
        }
    }

    /// The `XXXX` of `\uXXXX`, joining a surrogate pair; U+FFFD when broken.
    fn unicode_escape(&mut self) -> char {
        let Some(high) = self.hex4() else {
            return '\u{FFFD}';
        };
        if (0xD800..0xDC00).contains(&high) && self.at("\\u") {
            self.pos += 2;
            if let Some(low) = self.hex4().filter(|l| (0xDC00..0xE000).contains(l)) {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(code).unwrap_or('\u{FFFD}');
            }
        }
        char::from_u32(high).unwrap_or('\u{FFFD}')
    }

    fn hex4(&mut self) -> Option<u32> {
        let end = self.pos + 4;
        let digits: String = self.chars.get(self.pos..end)?.iter().collect();
        let code = u32::from_str_radix(&digits, 16).ok()?;
        self.pos = end;
        Some(code)
    }

    fn number(&mut self) -> Json {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        match text.parse::<f64>() {
            Ok(_) if self.at_value_end() => Json::Number(text),
            // `3 ways to index` or `-lots`: text that starts like a number.
            _ => {
                self.pos = start;
                self.bare_value()
            }
        }
    }

    /// Whether only spaces stand between here and a delimiter.
    fn at_value_end(&self) -> bool {
        let next = self.chars[self.pos..]
            .iter()
            .find(|c| **c != ' ' && **c != '\t');
        next.is_none_or(|c| ",，}]\r\n/".contains(*c))
    }

    /// `true`, `false`, `null`, or unquoted text up to the next comma,
    /// bracket or line end.
    fn bare_value(&mut self) -> Json {
        let start = self.pos;
        while self.peek().is_some_and(|c| !",，}]\n".contains(c)) {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.trim() {
            "true" | "True" => Json::Bool(true),
            "false" | "False" => Json::Bool(false),
            "null" | "None" | "undefined" => Json::Null,
            text => {
                self.note("quoted bare text values");
                Json::String(text.to_string())
            }
        }
    }
}

enum Item {
    End,
    Next,
}

/// Whether `c` may close a string opened by `open`. Smart quotes are paired
/// loosely: models mix `“…"` and `”…”`.
fn is_closer(open: char, c: char) -> bool {
    match open {
        '"' => c == '"',
        '\'' => c == '\'',
        '“' | '”' => matches!(c, '”' | '"'),
        _ => matches!(c, '’' | '\''),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn read(text: &str) -> Parsed {
        parse(text).unwrap()
    }

    /// As serde_json would hold it (key order lost), to compare with `json!`.
    fn serde(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.parse().unwrap()),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(serde).collect()),
            Json::Object(fields) => {
                let map = fields.iter().map(|(k, v)| (k.clone(), serde(v)));
                Value::Object(map.collect())
            }
        }
    }

    #[test]
    fn valid_json_reads_as_serde_reads_it_with_no_repairs() {
        let text = r#"{"a": [1, -2.5e3, true, null, "x\"y\\z\u00e9\ud83d\ude00"], "b": {"c": ""}}"#;
        let parsed = read(text);
        assert_eq!(
            serde(&parsed.value),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(parsed.repairs.is_empty(), "{:?}", parsed.repairs);
        assert!(!parsed.truncated);
        assert_eq!(parsed.consumed, text.chars().count());
    }

    #[test]
    fn single_quotes_unquoted_keys_and_trailing_commas() {
        let parsed = read("{title: 'Don't panic', list: ['a', 'b',],}");
        assert_eq!(
            serde(&parsed.value),
            json!({"title": "Don't panic", "list": ["a", "b"]})
        );
        assert_eq!(
            parsed.repairs,
            [
                "quoted unquoted keys",
                "replaced single quotes",
                "kept stray quotes inside strings",
                "removed trailing or doubled commas"
            ]
        );
    }

    #[test]
    fn smart_quotes_delimit_but_chinese_quotes_inside_strings_stay() {
        let parsed = read("{“title”: “向量”, \"note\": \"他说“你好”\"}");
        assert_eq!(
            serde(&parsed.value),
            json!({"title": "向量", "note": "他说“你好”"})
        );
        assert_eq!(parsed.repairs, ["replaced smart quotes around strings"]);
    }

    #[test]
    fn unescaped_inner_quotes_stay_in_the_string() {
        let parsed = read(r#"["He said "hi" twice", "next"]"#);
        assert_eq!(
            serde(&parsed.value),
            json!(["He said \"hi\" twice", "next"])
        );
    }

    #[test]
    fn truncated_mid_string_closes_string_and_brackets() {
        let parsed = read(r#"{"slides": [{"title": "Intro", "bullets": ["one", "tw"#);
        assert_eq!(
            serde(&parsed.value),
            json!({"slides": [{"title": "Intro", "bullets": ["one", "tw"]}]})
        );
        assert!(parsed.truncated);
        assert!(
            parsed
                .repairs
                .contains(&"closed 4 bracket(s) left open at the end".into())
        );
    }

    #[test]
    fn truncated_after_a_key_drops_the_key() {
        let parsed = read(r#"{"title": "T", "notes":"#);
        assert_eq!(serde(&parsed.value), json!({"title": "T"}));
        assert!(parsed.truncated);
    }

    #[test]
    fn missing_commas_comments_and_full_width_punctuation() {
        let parsed = read("{\"a\": \"x\"\n \"b\"：[\"x\" \"y\"] // why\n /* c */ ，\"c\": 3}");
        assert_eq!(
            serde(&parsed.value),
            json!({"a": "x", "b": ["x", "y"], "c": 3})
        );
        assert!(parsed.repairs.contains(&"inserted missing commas".into()));
        assert!(parsed.repairs.contains(&"removed comments".into()));
    }

    #[test]
    fn bare_text_values_become_strings() {
        let parsed = read("{notes: Explain the idea, n: 3 ways, ok: True, x: None}");
        assert_eq!(
            serde(&parsed.value),
            json!({"notes": "Explain the idea", "n": "3 ways", "ok": true, "x": null})
        );
    }

    #[test]
    fn mismatched_bracket_closes_the_inner_container() {
        let parsed = read(r#"{"a": [1, 2}"#);
        assert_eq!(serde(&parsed.value), json!({"a": [1, 2]}));
        assert!(parsed.repairs.contains(&"fixed mismatched brackets".into()));
    }

    #[test]
    fn objects_keep_the_order_written() {
        let parsed = read(r#"{"zeta": 1, "alpha": 2, "mid": 3}"#);
        let keys: Vec<_> = parsed
            .value
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn consumed_stops_at_the_end_of_the_value() {
        let parsed = read("[1] and then prose");
        assert_eq!(serde(&parsed.value), json!([1]));
        assert_eq!(parsed.consumed, 3);
    }

    #[test]
    fn windows_paths_keep_their_backslashes() {
        assert_eq!(
            serde(&read(r#"["C:\Users\me"]"#).value),
            json!(["C:\\Users\\me"])
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        assert!(parse(&"[".repeat(100_000)).is_none());
        assert!(parse("").is_none());
    }
}
