//! JSON as Rails' `to_json` writes it: compact, with `<`, `>` and `&` escaped as `\u003c`,
//! `\u003e`, `\u0026` and the line and paragraph separators U+2028 and U+2029 as `\u2028` and
//! `\u2029` (ActiveSupport's HTML-safe escaping, on by default); other non-ASCII characters stay
//! raw UTF-8. The standard escapes (quote, backslash, control characters) are serde_json's,
//! which match Ruby's JSON generator.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// The Rails serialization of `value`.
pub(crate) fn to_rails_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, RailsFormatter);
    // Writing to a Vec cannot fail, and JSON values (or our messages) have string keys only.
    if value.serialize(&mut serializer).is_err() {
        return String::from("null");
    }
    // serde_json writes valid UTF-8 and the escapes are ASCII.
    String::from_utf8(bytes).unwrap_or_default()
}

/// `Formatter`'s default methods are the compact ones; this one also escapes the characters Rails escapes
/// inside strings (keys included).
struct RailsFormatter;

impl Formatter for RailsFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, character) in fragment.char_indices() {
            let escape = match character {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..index])?;
            writer.write_all(escape.as_bytes())?;
            start = index + character.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_rails_json;

    #[test]
    fn escapes_html_characters_and_line_separators_in_values_and_keys() {
        let value = json!({"a<b": "x < y && z > w", "line": "one\u{2028}two\u{2029}three"});
        assert_eq!(
            to_rails_json(&value),
            r#"{"a\u003cb":"x \u003c y \u0026\u0026 z \u003e w","line":"one\u2028two\u2029three"}"#
        );
    }

    #[test]
    fn keeps_other_non_ascii_raw_and_standard_escapes() {
        let value = json!({"name": "Zoë 日本 \"q\" \\ / \n\t\u{1}", "n": [1, 5.0, null, true]});
        assert_eq!(
            to_rails_json(&value),
            "{\"name\":\"Zoë 日本 \\\"q\\\" \\\\ / \\n\\t\\u0001\",\"n\":[1,5.0,null,true]}"
        );
    }

    #[test]
    fn is_compact_and_keeps_key_order() {
        let value = json!({"z": {"b": 1, "a": 2}, "a": []});
        assert_eq!(to_rails_json(&value), r#"{"z":{"b":1,"a":2},"a":[]}"#);
    }
}
