//! Validation of billable metric expressions, with the grammar of Lago's expression parser
//! (`lago-expression`, a pest grammar), which is not published on crates.io:
//!
//! ```text
//! expr     = atom (("+" | "-" | "*" | "/") atom)*
//! atom     = "-"? primary
//! primary  = function | variable | decimal | string | "(" expr ")"
//! function = name "(" expr ("," expr)* ")"
//!            name: ceil | floor | round (1 or 2 arguments), concat (1 or more); each spelled
//!            lowercase, UPPERCASE or Capitalized
//! variable = "event.timestamp" | "event.code" | "event.properties." [A-Za-z][A-Za-z0-9_]*
//! decimal  = [0-9]+ ("." [0-9]+)?
//! string   = "'" (any character but "'")* "'"
//! ```
//!
//! Spaces (U+0020 only) may separate tokens, not split them. Nesting deeper than
//! `MAX_NESTING_DEPTH` is rejected too, so that no input can exhaust the stack.

/// Parentheses, function calls and unary minus nested deeper than this are rejected.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Why an expression is not valid, with the byte offset where parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpressionError {
    #[error("unexpected input at byte {0}")]
    Unexpected(usize),
    #[error("unknown function {name:?} at byte {position}")]
    UnknownFunction { name: String, position: usize },
    #[error("wrong number of arguments to {name}: {count}")]
    WrongArgumentCount { name: &'static str, count: usize },
    #[error("nested deeper than {MAX_NESTING_DEPTH} levels")]
    TooDeep,
}

/// Checks `expression` against Lago's grammar.
///
/// # Errors
/// The first reason the expression is not valid.
pub fn validate_expression(expression: &str) -> Result<(), ExpressionError> {
    let mut parser = Parser { input: expression.as_bytes(), position: 0, depth: 0 };
    parser.expr()?;
    parser.skip_spaces();
    if parser.position == parser.input.len() {
        Ok(())
    } else {
        Err(ExpressionError::Unexpected(parser.position))
    }
}

/// The functions, their accepted spellings and how many arguments they take.
const FUNCTIONS: [(&str, [&str; 3], usize, usize); 4] = [
    ("ceil", ["ceil", "CEIL", "Ceil"], 1, 2),
    ("floor", ["floor", "FLOOR", "Floor"], 1, 2),
    ("round", ["round", "ROUND", "Round"], 1, 2),
    ("concat", ["concat", "CONCAT", "Concat"], 1, usize::MAX),
];

struct Parser<'a> {
    input: &'a [u8],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn expr(&mut self) -> Result<(), ExpressionError> {
        self.atom()?;
        loop {
            self.skip_spaces();
            if !matches!(self.peek(), Some(b'+' | b'-' | b'*' | b'/')) {
                return Ok(());
            }
            self.position += 1;
            self.atom()?;
        }
    }

    fn atom(&mut self) -> Result<(), ExpressionError> {
        self.skip_spaces();
        if self.peek() == Some(b'-') {
            self.position += 1;
            self.skip_spaces();
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<(), ExpressionError> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(ExpressionError::TooDeep);
        }
        let result = match self.peek() {
            Some(b'(') => {
                self.position += 1;
                self.expr().and_then(|()| self.expect(b')'))
            }
            Some(b'\'') => self.string(),
            Some(byte) if byte.is_ascii_digit() => {
                self.decimal();
                Ok(())
            }
            Some(byte) if byte.is_ascii_alphabetic() => self.variable_or_function(),
            _ => Err(ExpressionError::Unexpected(self.position)),
        };
        self.depth -= 1;
        result
    }

    fn string(&mut self) -> Result<(), ExpressionError> {
        let start = self.position;
        self.position += 1;
        match self.input[self.position..].iter().position(|byte| *byte == b'\'') {
            Some(length) => {
                self.position += length + 1;
                Ok(())
            }
            None => Err(ExpressionError::Unexpected(start)),
        }
    }

    fn decimal(&mut self) {
        self.skip_while(|byte| byte.is_ascii_digit());
        if self.peek() == Some(b'.') && self.input.get(self.position + 1).is_some_and(u8::is_ascii_digit) {
            self.position += 1;
            self.skip_while(|byte| byte.is_ascii_digit());
        }
    }

    fn variable_or_function(&mut self) -> Result<(), ExpressionError> {
        let rest = &self.input[self.position..];
        for attribute in [&b"event.timestamp"[..], b"event.code"] {
            if rest.starts_with(attribute) {
                self.position += attribute.len();
                return Ok(());
            }
        }
        let properties = b"event.properties.";
        if rest.starts_with(properties) && rest.get(properties.len()).is_some_and(u8::is_ascii_alphabetic) {
            self.position += properties.len();
            self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
            return Ok(());
        }
        self.function()
    }

    fn function(&mut self) -> Result<(), ExpressionError> {
        let start = self.position;
        self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
        let spelled = String::from_utf8_lossy(&self.input[start..self.position]).into_owned();
        let Some(&(name, _, min_arguments, max_arguments)) =
            FUNCTIONS.iter().find(|(_, spellings, _, _)| spellings.contains(&spelled.as_str()))
        else {
            return Err(ExpressionError::UnknownFunction { name: spelled, position: start });
        };
        self.skip_spaces();
        self.expect(b'(')?;
        let mut count = 0;
        loop {
            self.expr()?;
            count += 1;
            self.skip_spaces();
            if self.peek() == Some(b',') {
                self.position += 1;
            } else {
                break;
            }
        }
        self.expect(b')')?;
        if (min_arguments..=max_arguments).contains(&count) {
            Ok(())
        } else {
            Err(ExpressionError::WrongArgumentCount { name, count })
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), ExpressionError> {
        self.skip_spaces();
        if self.peek() == Some(byte) {
            self.position += 1;
            Ok(())
        } else {
            Err(ExpressionError::Unexpected(self.position))
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    fn skip_spaces(&mut self) {
        self.skip_while(|byte| byte == b' ');
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.position += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lagos_examples() {
        for expression in [
            "1",
            "1+2",
            " 1 + 2 ",
            "round(event.properties.value)",
            "round(event.properties.value, 2)",
            "ROUND(1, -1)",
            "Ceil(event.properties.a_1 / 3)",
            "floor(1.5, 1)",
            "concat('a', 'b', event.code)",
            "concat(event.properties.region)",
            "(event.timestamp - event.properties.started_at) * event.properties.units",
            "-1 - -(2)",
            "- 1",
            "round (1)",
            "'any ü \t text'",
            "event.properties.x*2",
        ] {
            assert_eq!(validate_expression(expression), Ok(()), "{expression:?}");
        }
    }

    #[test]
    fn rejects_what_lago_rejects() {
        for expression in [
            "",
            " ",
            "1+",
            "1.",
            ".5",
            "1.1.1",
            "--1",
            "1 2",
            "(1",
            "1)",
            "round()",
            "round(1,2,3)",
            "ceil(1, 2, 3)",
            "concat()",
            "rOund(1)",
            "sqrt(4)",
            "roundx(1)",
            "event.properties",
            "event.properties.",
            "event.properties.1a",
            "event.codex",
            "event.timestamp.x",
            "event.other",
            "event . code",
            "1\t+ 2",
            "1\n",
            "'open",
            "1 % 2",
            "round(1,)",
            "min(1, 2)",
            "'it''s'",
        ] {
            assert!(validate_expression(expression).is_err(), "{expression:?} should be rejected");
        }
    }

    #[test]
    fn reports_the_reason() {
        assert_eq!(validate_expression("1 +"), Err(ExpressionError::Unexpected(3)));
        assert_eq!(
            validate_expression("log(1)"),
            Err(ExpressionError::UnknownFunction { name: "log".to_owned(), position: 0 })
        );
        assert_eq!(
            validate_expression("round(1, 2, 3)"),
            Err(ExpressionError::WrongArgumentCount { name: "round", count: 3 })
        );
    }

    #[test]
    fn deep_nesting_is_rejected_without_exhausting_the_stack() {
        let nested = |depth: usize| format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(validate_expression(&nested(MAX_NESTING_DEPTH - 1)), Ok(()));
        assert_eq!(validate_expression(&nested(100_000)), Err(ExpressionError::TooDeep));
        assert_eq!(validate_expression(&"-round(".repeat(10_000)), Err(ExpressionError::TooDeep));
    }
}
