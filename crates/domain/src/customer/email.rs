//! Customer emails as Lago's `Customer` model treats them: normalized by `EmailSanitizer`
//! (dash look-alikes become `-`, invisible characters go, surrounding whitespace too), then, when
//! not blank, checked by `EmailValidator`: a comma-separated list of addresses, each matching
//! Lago's RFC 5322-derived `Regex::EMAIL` (case-insensitive, Unicode letters allowed before the
//! `@`, an ASCII host name or an address literal after it).

/// Zero-width spaces and joiners, no-break space, direction marks and the BOM (`Regex::INVISIBLE_CHARS`).
const INVISIBLE_CHARACTERS: [char; 7] =
    ['\u{200B}', '\u{200C}', '\u{200D}', '\u{00A0}', '\u{200E}', '\u{200F}', '\u{FEFF}'];
/// Figure, en, em and horizontal dashes, hyphen bullet and minus sign (`Regex::DASH_LOOKALIKES_CHARS`).
const DASH_LOOKALIKES: [char; 6] = ['\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2043}', '\u{2212}'];
/// Characters allowed unquoted before the `@`, besides letters, marks and digits.
const ATOM_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";

/// Lago's `EmailSanitizer.call`: a blank email is kept as it is.
pub(crate) fn sanitize_email(email: &str) -> String {
    if email.trim().is_empty() {
        return email.to_owned();
    }
    let cleaned: String = email
        .chars()
        .filter(|character| !INVISIBLE_CHARACTERS.contains(character))
        .map(|character| if DASH_LOOKALIKES.contains(&character) { '-' } else { character })
        .collect();
    ruby_strip(&cleaned).to_owned()
}

/// Whether every comma-separated address matches (a trailing comma leaves an empty, invalid one).
pub(crate) fn is_valid_email(email: &str) -> bool {
    !email.trim().is_empty() && email.split(',').all(|address| is_address(ruby_strip(address)))
}

/// Ruby's `String#strip`: ASCII whitespace and NUL at both ends.
fn ruby_strip(text: &str) -> &str {
    text.trim_matches(|character: char| character.is_ascii_whitespace() || matches!(character, '\0' | '\x0b'))
}

fn is_address(address: &str) -> bool {
    // A quoted local part or an address literal may contain `@`: try every split, as the regex
    // would backtrack.
    address.match_indices('@').any(|(at, _)| is_local_part(&address[..at]) && is_domain(&address[at + 1..]))
}

fn is_local_part(local: &str) -> bool {
    match local.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) {
        Some(quoted) if local.len() >= 2 => is_quoted_content(quoted, is_quoted_text),
        _ => is_dot_atom(local),
    }
}

fn is_dot_atom(text: &str) -> bool {
    text.split('.').all(|atom| {
        !atom.is_empty()
            && atom.chars().all(|character| {
                character.is_ascii_alphanumeric()
                    || ATOM_SPECIALS.contains(character)
                    || (!character.is_ascii() && character.is_alphanumeric())
            })
    })
}

/// `(?:[allowed]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*`: allowed characters, or escaped ones.
fn is_quoted_content(text: &str, allowed: fn(char) -> bool) -> bool {
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        let valid = if character == '\\' {
            characters
                .next()
                .is_some_and(|escaped| matches!(escaped, '\x01'..='\x09' | '\x0b' | '\x0c' | '\x0e'..='\x7f'))
        } else {
            allowed(character)
        };
        if !valid {
            return false;
        }
    }
    true
}

fn is_quoted_text(character: char) -> bool {
    matches!(character, '\x01'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7f')
}

fn is_literal_text(character: char) -> bool {
    matches!(character, '\x01'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x21'..='\x7f')
}

fn is_domain(domain: &str) -> bool {
    match domain.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
        Some(literal) => is_address_literal(literal),
        None => {
            let labels: Vec<&str> = domain.split('.').collect();
            labels.len() >= 2 && labels.iter().all(|label| is_label(label))
        }
    }
}

fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
        }
        _ => false,
    }
}

/// Three IPv4 octets, then a fourth, or a tag such as `IPv6:` followed by its text.
fn is_address_literal(literal: &str) -> bool {
    let mut parts = literal.splitn(4, '.');
    let octets_valid = (0..3).all(|_| parts.next().is_some_and(is_octet));
    let Some(last) = parts.next() else { return false };
    octets_valid
        && (is_octet(last)
            || last.split_once(':').is_some_and(|(tag, text)| {
                tag.ends_with(|character: char| character.is_ascii_alphanumeric())
                    && tag.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
                    && !text.is_empty()
                    && is_quoted_content(text, is_literal_text)
            }))
}

fn is_octet(text: &str) -> bool {
    (1..=3).contains(&text.len())
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && text.parse::<u16>().is_ok_and(|value| value <= 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizing_removes_invisible_characters_and_dash_lookalikes() {
        assert_eq!(sanitize_email("foo\u{200C}bar@example.com"), "foobar@example.com");
        assert_eq!(
            sanitize_email("foo\u{200B}\u{200C}\u{200D}\u{00A0}\u{200E}\u{200F}bar@example.com"),
            "foobar@example.com"
        );
        assert_eq!(sanitize_email(" jean\u{2013}luc@example.com\u{FEFF} "), "jean-luc@example.com");
        assert_eq!(sanitize_email(""), "");
    }

    #[test]
    fn valid_addresses() {
        for email in [
            "dinesh@piedpiper.test",
            "First.Last+tag@Example.COM",
            "josé@example.com",
            "\"quoted@local\"@example.com",
            "user@[192.168.0.1]",
            "a@b.co, c@d.io",
        ] {
            assert!(is_valid_email(email), "{email}");
        }
    }

    #[test]
    fn invalid_addresses() {
        for email in [
            "",
            "not an email",
            "user@localhost",
            "user@exa_mple.com",
            "user@-example.com",
            ".user@example.com",
            "us..er@example.com",
            "user@example.com,",
            "user@[256.1.1.1]",
            "usér@exämple.com",
        ] {
            assert!(!is_valid_email(email), "{email}");
        }
    }
}
