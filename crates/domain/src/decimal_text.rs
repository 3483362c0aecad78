//! Decimal amounts as Lago takes them: JSON strings that Ruby's `BigDecimal()` parses, finite and
//! not negative (`Validators::DecimalAmountService`). They are stored and echoed exactly as sent,
//! so the text is kept; the parsed value is only used to compare range bounds.

use rust_decimal::Decimal;

/// Whether `text` is a valid Lago decimal amount: after trimming, an optional sign, digits with
/// single underscores between them, an optional fraction, an optional exponent; and at least 0.
pub fn is_valid_amount(text: &str) -> bool {
    parse_decimal(text).is_some_and(|value| !value.is_sign_negative() || value.is_zero())
}

/// Parses a decimal written the way Ruby's `BigDecimal()` accepts it (`" 1.5 "`, `"1_000"`,
/// `".5"`, `"+1"`, `"1e3"`); `None` for anything else (`"5."`, `"0x10"`, `"1,5"`, `"1__0"`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let trimmed = text.trim();
    let (mantissa, exponent) = match trimmed.find(['e', 'E']) {
        Some(position) => (&trimmed[..position], Some(&trimmed[position + 1..])),
        None => (trimmed, None),
    };
    let unsigned = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (integer_part, fraction_part) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let integer_ok = integer_part.is_empty() || is_underscored_digits(integer_part);
    let fraction_ok = fraction_part.is_none_or(is_underscored_digits);
    let has_digits = !integer_part.is_empty() || fraction_part.is_some();
    let exponent_value = match exponent {
        None => 0,
        Some(exponent) => {
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            exponent.parse::<i64>().ok()?
        }
    };
    if !(integer_ok && fraction_ok && has_digits) {
        return None;
    }
    let plain: String = mantissa.chars().filter(|character| *character != '_').collect();
    let plain = if plain.starts_with(['+', '-']) { plain } else { format!("+{plain}") };
    // "+.5" is not Decimal syntax; "+0.5" is.
    let plain = plain.replacen("+.", "+0.", 1).replacen("-.", "-0.", 1);
    let value: Decimal = plain.trim_start_matches('+').parse().ok()?;
    scale_by_power_of_ten(value, exponent_value)
}

fn is_underscored_digits(text: &str) -> bool {
    !text.is_empty()
        && text.split('_').all(|group| !group.is_empty() && group.bytes().all(|byte| byte.is_ascii_digit()))
}

fn scale_by_power_of_ten(value: Decimal, exponent: i64) -> Option<Decimal> {
    let ten = Decimal::from(10);
    let mut result = value;
    for _ in 0..exponent.unsigned_abs().min(64) {
        result = if exponent > 0 { result.checked_mul(ten)? } else { result.checked_div(ten)? };
    }
    // Exponents beyond what 96-bit decimals hold are not amounts anyone bills.
    (exponent.unsigned_abs() <= 64).then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_bigdecimal_accepts() {
        for text in ["15.00", "0", "-0", "1e3", " 1.5 ", "1_000", ".5", "+1", "00012", "0.000001"] {
            assert!(is_valid_amount(text), "{text:?} should be accepted");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for text in [
            "-1", "abc", "", " ", "Infinity", "NaN", "5.", "0x10", "1,5", "1.5abc", "1__0", "_1", "1_", "e3",
            "1e",
        ] {
            assert!(!is_valid_amount(text), "{text:?} should be rejected");
        }
    }

    #[test]
    fn parses_values_for_comparison() {
        assert_eq!(parse_decimal("1e3"), Some(Decimal::from(1000)));
        assert_eq!(parse_decimal(".5"), parse_decimal("0.5"));
        assert!(parse_decimal("0.1") < parse_decimal("1"));
    }
}
