//! What a client said about an enumerated field: known, null, or a value this server does not
//! know (answered as `value_is_invalid` rather than a malformed request).

/// What a client said about an enumerated field that was given (or, on create, omitted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EnumInput<T> {
    /// Null or omitted.
    #[default]
    Null,
    Known(T),
    /// A value this server does not know: `value_is_invalid` (where Lago answers 500 for
    /// `weighted_interval` and `rounding_function`).
    Unknown,
}

impl<T> EnumInput<T> {
    /// A stored optional value, as if the client had sent it again.
    pub fn from_stored(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Known)
    }
}
