//! Lago's (Kaminari's) reading of `page` and `per_page` query strings: Ruby's `to_i`, where
//! `"2abc"` is 2 and `"abc"` is 0.

/// Lago's `meta` object, keys in Lago's order.
pub(crate) fn meta_to_json(meta: &entitlements::v1::PaginationMeta) -> serde_json::Value {
    serde_json::json!({
        "current_page": meta.current_page,
        "next_page": meta.next_page,
        "prev_page": meta.prev_page,
        "total_pages": meta.total_pages,
        "total_count": meta.total_count,
    })
}

/// `page` as Ruby's `to_i`; the service treats values below 1 as 1.
pub(crate) fn page(raw: Option<&str>) -> Option<i64> {
    raw.map(ruby_to_i)
}

/// `per_page`: used only when it starts with a digit (Kaminari), otherwise -1, which the service
/// reads as Kaminari's fallback size.
pub(crate) fn per_page(raw: Option<&str>) -> Option<i64> {
    raw.map(
        |raw| if raw.starts_with(|character: char| character.is_ascii_digit()) { ruby_to_i(raw) } else { -1 },
    )
}

/// Ruby's `String#to_i`: leading whitespace, an optional sign, then digits; 0 when none.
/// Saturates instead of overflowing.
fn ruby_to_i(raw: &str) -> i64 {
    let trimmed = raw.trim_start();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let magnitude = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0_i64, |value, digit| value.saturating_mul(10).saturating_add(i64::from(digit - b'0')));
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_ruby_and_kaminari() {
        assert_eq!(page(Some("2abc")), Some(2));
        assert_eq!(page(Some("abc")), Some(0));
        assert_eq!(per_page(Some("abc")), Some(-1));
        assert_eq!(per_page(Some("-5")), Some(-1));
        assert_eq!(per_page(Some("0")), Some(0));
        assert_eq!(per_page(Some("99999999999999999999999")), Some(i64::MAX));
        assert_eq!(per_page(None), None);
    }
}
