//! Webhook endpoints: where an organization's webhooks go, and the rules of their create and
//! update commands, in the order Lago's `WebhookEndpoint` model checks them (`webhook_url`, the
//! 10-endpoint limit as `base`, `event_types`), so that the same request gets the same errors.
//!
//! Where Lago answers 500 (a `signature_algo` other than `jwt` or `hmac`, null on update; a
//! malformed `event_types`), we answer 422 `value_is_invalid` or `must_be_array`.

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::ids::WebhookEndpointId;
use crate::validation::{ErrorCode, ValidationErrors, is_blank};
use crate::webhook::event_types::is_accepted_event_type;

/// How many endpoints an organization may have (Lago's `WebhookEndpoint::LIMIT`).
pub const MAX_ENDPOINTS_PER_ORGANIZATION: u64 = 10;

/// Lago's `base` error when the organization has its maximum of endpoints.
pub const LIMIT_REACHED_MESSAGE: &str = "Maximum number of webhook endpoints was reached";

/// Lago's code for an `event_types` that is not an array.
pub const MUST_BE_ARRAY: &str = "must_be_array";

/// Our code for an endpoint URL that resolves to an address the server may not reach.
pub const URL_RESOLVES_TO_PRIVATE_NETWORK: &str = "url_resolves_to_private_network";

/// How an endpoint's deliveries are signed in `X-Lago-Signature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgo {
    /// RS256 with the installation's key (Lago's default).
    Jwt,
    /// HMAC-SHA256 with the organization's HMAC key.
    Hmac,
}

impl SignatureAlgo {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Hmac => "hmac",
        }
    }

    /// The exact, lowercase name; anything else (`"JWT"`, `""`) is not an algorithm.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Jwt, Self::Hmac].into_iter().find(|algo| algo.as_str() == name)
    }
}

/// An endpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub webhook_url: String,
    pub signature_algo: SignatureAlgo,
    pub name: Option<String>,
    /// `None`: every event; empty: none.
    pub event_types: Option<Vec<String>>,
    /// The Standard Webhooks `whsec_` secret of the endpoint.
    pub signing_secret: String,
    /// Set when the endpoint answered 410 Gone; its deliveries wait until an update clears it.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An endpoint as a client sent it to be created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEndpointCreateInput {
    pub webhook_url: Option<String>,
    /// The algorithm's name; `None` means `jwt`.
    pub signature_algo: Option<String>,
    pub name: Option<String>,
    /// The names as sent (normalized here); `None` means every event.
    pub event_types: Option<Vec<String>>,
}

/// A partial update: the outer `None` keeps a field, `Some(None)` sets it to null.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEndpointUpdateInput {
    pub webhook_url: Option<Option<String>>,
    pub signature_algo: Option<Option<String>>,
    pub name: Option<Option<String>>,
    pub event_types: Option<Option<Vec<String>>>,
}

/// A validated endpoint to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhookEndpoint {
    pub webhook_url: String,
    pub signature_algo: SignatureAlgo,
    pub name: Option<String>,
    pub event_types: Option<Vec<String>>,
}

impl NewWebhookEndpoint {
    /// Validates a create request. `url_taken` says whether another endpoint of the organization
    /// has this exact URL and `limit_reached` whether it has its maximum of endpoints; the store
    /// answers both under the organization's writer lock.
    ///
    /// # Errors
    /// `Validation`: `webhook_url: value_is_mandatory | url_is_invalid | value_already_exist`,
    /// `base: Maximum number of webhook endpoints was reached`, `event_types: contains invalid
    /// types: [...]`, `signature_algo: value_is_invalid`.
    pub fn parse(
        input: WebhookEndpointCreateInput,
        url_taken: bool,
        limit_reached: bool,
    ) -> Result<Self, Error> {
        let WebhookEndpointCreateInput { webhook_url, signature_algo, name, event_types } = input;
        let mut errors = ValidationErrors::new();
        check_url(&mut errors, webhook_url.as_deref(), url_taken);
        if limit_reached {
            errors.add("base", ErrorCode::Named(LIMIT_REACHED_MESSAGE));
        }
        let event_types = event_types.and_then(normalize_event_types);
        check_event_types(&mut errors, event_types.as_deref());
        let signature_algo = match signature_algo {
            None => Some(SignatureAlgo::Jwt),
            Some(name) => parse_signature_algo(&mut errors, Some(&name)),
        };
        match (webhook_url, signature_algo, errors.is_empty()) {
            (Some(webhook_url), Some(signature_algo), true) => {
                Ok(Self { webhook_url, signature_algo, name, event_types })
            }
            _ => Err(errors.into()),
        }
    }
}

impl WebhookEndpointUpdateInput {
    /// The URL the update would give the endpoint, when it changes it: the one whose uniqueness
    /// the store must check (and whose addresses the service checks).
    pub fn new_url<'a>(&'a self, current: &WebhookEndpoint) -> Option<&'a str> {
        self.webhook_url.as_ref().and_then(Option::as_deref).filter(|url| *url != current.webhook_url)
    }

    /// The endpoint after this update, validated like a new one (without the limit). Any update
    /// enables an endpoint that a 410 disabled.
    ///
    /// # Errors
    /// `Validation` with the codes of `NewWebhookEndpoint::parse`; `signature_algo:
    /// value_is_invalid` for null too.
    pub fn apply(
        self,
        current: &WebhookEndpoint,
        url_taken: bool,
        now: DateTime<Utc>,
    ) -> Result<WebhookEndpoint, Error> {
        let WebhookEndpointUpdateInput { webhook_url, signature_algo, name, event_types } = self;
        let mut errors = ValidationErrors::new();
        let webhook_url = webhook_url.unwrap_or_else(|| Some(current.webhook_url.clone()));
        check_url(&mut errors, webhook_url.as_deref(), url_taken);
        let event_types = match event_types {
            None => current.event_types.clone(),
            Some(given) => {
                let normalized = given.and_then(normalize_event_types);
                check_event_types(&mut errors, normalized.as_deref());
                normalized
            }
        };
        let signature_algo = match signature_algo {
            None => Some(current.signature_algo),
            Some(name) => parse_signature_algo(&mut errors, name.as_deref()),
        };
        match (webhook_url, signature_algo, errors.is_empty()) {
            (Some(webhook_url), Some(signature_algo), true) => Ok(WebhookEndpoint {
                webhook_url,
                signature_algo,
                name: name.unwrap_or_else(|| current.name.clone()),
                event_types,
                disabled_at: None,
                updated_at: now,
                ..current.clone()
            }),
            _ => Err(errors.into()),
        }
    }
}

/// Lago's `normalize_event_types`: each name stripped and downcased, blank names dropped,
/// duplicates dropped (the first stays), and exactly `["*"]` read as every event (`None`).
/// An empty list stays empty: no events.
pub fn normalize_event_types(names: Vec<String>) -> Option<Vec<String>> {
    let mut normalized: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim().to_lowercase();
        if !name.is_empty() && !normalized.contains(&name) {
            normalized.push(name);
        }
    }
    if normalized == ["*"] { None } else { Some(normalized) }
}

fn check_url(errors: &mut ValidationErrors, url: Option<&str>, url_taken: bool) {
    if is_blank(url) {
        errors.add("webhook_url", ErrorCode::ValueIsMandatory);
    }
    if url.and_then(WebhookUrl::parse).is_none() {
        errors.add("webhook_url", ErrorCode::Named("url_is_invalid"));
    } else if url_taken {
        errors.add("webhook_url", ErrorCode::ValueAlreadyExist);
    }
}

fn check_event_types(errors: &mut ValidationErrors, names: Option<&[String]>) {
    let invalid: Vec<&str> = names
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .filter(|name| !is_accepted_event_type(name))
        .collect();
    if !invalid.is_empty() {
        let listed: Vec<String> = invalid.into_iter().map(ruby_inspect).collect();
        errors.add(
            "event_types",
            ErrorCode::Message(format!("contains invalid types: [{}]", listed.join(", "))),
        );
    }
}

fn parse_signature_algo(errors: &mut ValidationErrors, name: Option<&str>) -> Option<SignatureAlgo> {
    let algo = name.and_then(SignatureAlgo::parse);
    if algo.is_none() {
        errors.add("signature_algo", ErrorCode::ValueIsInvalid);
    }
    algo
}

/// A string as Ruby's `String#inspect` writes it, as Lago's error message shows the names.
fn ruby_inspect(text: &str) -> String {
    let mut inspected = String::with_capacity(text.len() + 2);
    inspected.push('"');
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '"' => inspected.push_str("\\\""),
            '\\' => inspected.push_str("\\\\"),
            '\n' => inspected.push_str("\\n"),
            '\t' => inspected.push_str("\\t"),
            '\r' => inspected.push_str("\\r"),
            '\u{1b}' => inspected.push_str("\\e"),
            // `#{`, `#$` and `#@` would interpolate in a Ruby literal.
            '#' if matches!(characters.peek(), Some('{' | '$' | '@')) => inspected.push_str("\\#"),
            control if control.is_control() => {
                inspected.push_str(&format!("\\u{:04X}", u32::from(control)));
            }
            other => inspected.push(other),
        }
    }
    inspected.push('"');
    inspected
}

/// An endpoint URL as Lago's `UrlValidator` accepts it: what Ruby's `URI.parse` (RFC 3986)
/// reads as an `http` or `https` URI with a non-empty host. Nothing is trimmed: surrounding
/// spaces make it invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl<'a> {
    /// The host as written, without the brackets of an IPv6 literal.
    pub host: &'a str,
    /// The port, or the scheme's default.
    pub port: u16,
}

impl<'a> WebhookUrl<'a> {
    pub fn parse(url: &'a str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path_and_more) = rest.split_at(authority_end);
        if !path_and_more.chars().all(|character| is_uri_character(character) || character == '#')
            || path_and_more.matches('#').count() > 1
        {
            return None;
        }
        let host_and_port = match authority.rsplit_once('@') {
            Some((userinfo, host_and_port)) => {
                if !userinfo
                    .chars()
                    .all(|character| is_unreserved_or_sub_delim(character) || character == ':')
                {
                    return None;
                }
                host_and_port
            }
            None => authority,
        };
        let (host, port) = split_port(host_and_port)?;
        let port = match port {
            None | Some("") => default_port,
            Some(digits) if digits.chars().all(|digit| digit.is_ascii_digit()) => digits.parse().ok()?,
            Some(_) => return None,
        };
        if host.is_empty() {
            return None;
        }
        Some(Self { host, port })
    }
}

/// `host[:port]` or `[ipv6][:port]`, with the port's digits if any.
fn split_port(host_and_port: &str) -> Option<(&str, Option<&str>)> {
    if let Some(bracketed) = host_and_port.strip_prefix('[') {
        let (literal, after) = bracketed.split_once(']')?;
        literal.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        return Some((literal, port));
    }
    let (host, port) = match host_and_port.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_and_port, None),
    };
    host.chars().all(is_unreserved_or_sub_delim).then_some((host, port))
}

/// RFC 3986's unreserved characters, sub-delimiters and `%` (of percent-encodings).
fn is_unreserved_or_sub_delim(character: char) -> bool {
    character.is_ascii_alphanumeric() || "-._~!$&'()*+,;=%".contains(character)
}

/// A character allowed in a path or query.
fn is_uri_character(character: char) -> bool {
    is_unreserved_or_sub_delim(character) || ":@/?".contains(character)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(url: Option<&str>) -> WebhookEndpointCreateInput {
        WebhookEndpointCreateInput {
            webhook_url: url.map(str::to_owned),
            ..WebhookEndpointCreateInput::default()
        }
    }

    fn errors_of<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::Validation(errors)) => errors.to_string(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn stored() -> WebhookEndpoint {
        let now = Utc::now();
        WebhookEndpoint {
            id: WebhookEndpointId::generate(),
            webhook_url: "https://example.com/hook".to_owned(),
            signature_algo: SignatureAlgo::Hmac,
            name: Some("prod".to_owned()),
            event_types: Some(names(&["plan.updated"])),
            signing_secret: "whsec_x".to_owned(),
            disabled_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn urls_are_absolute_http_with_a_host() {
        for url in [
            "http://example.com",
            "https://example.com/lago?x=1#top",
            "HTTPS://user:pw@example.com:8443/a",
            "http://127.0.0.1:9/hook",
            "http://[::1]/hook",
            "http://a/",
        ] {
            assert!(WebhookUrl::parse(url).is_some(), "{url}");
        }
        for url in [
            "",
            "example.com",
            "ftp://example.com",
            "http://",
            "http:///path",
            " http://example.com",
            "http://example.com ",
            "http://exa mple.com",
            "http://example.com/é",
            "http://example.com:port",
            "http://[not-ipv6]/",
            "http:example.com",
        ] {
            assert!(WebhookUrl::parse(url).is_none(), "{url:?}");
        }
        assert_eq!(WebhookUrl::parse("http://[::1]:81/x"), Some(WebhookUrl { host: "::1", port: 81 }));
        assert_eq!(WebhookUrl::parse("https://a.b"), Some(WebhookUrl { host: "a.b", port: 443 }));
    }

    #[test]
    fn a_missing_url_gets_both_codes_and_defaults_apply() {
        assert_eq!(
            errors_of(NewWebhookEndpoint::parse(create(None), false, false)),
            "webhook_url: value_is_mandatory|url_is_invalid"
        );
        assert_eq!(
            errors_of(NewWebhookEndpoint::parse(create(Some("x")), true, false)),
            "webhook_url: url_is_invalid"
        );
        let created = NewWebhookEndpoint::parse(create(Some("https://a.b")), false, false).expect("valid");
        assert_eq!(
            (created.signature_algo, created.event_types, created.name),
            (SignatureAlgo::Jwt, None, None)
        );
    }

    #[test]
    fn errors_follow_the_model_order() {
        let input = WebhookEndpointCreateInput {
            webhook_url: Some("https://a.b".to_owned()),
            signature_algo: Some("JWT".to_owned()),
            name: None,
            event_types: Some(names(&["wrong.type", "plan.updated", "Other\"#{x}"])),
        };
        assert_eq!(
            errors_of(NewWebhookEndpoint::parse(input, true, true)),
            "webhook_url: value_already_exist, base: Maximum number of webhook endpoints was reached, \
             event_types: contains invalid types: [\"wrong.type\", \"other\\\"\\#{x}\"], \
             signature_algo: value_is_invalid"
        );
    }

    #[test]
    fn event_types_are_normalized_like_lago() {
        assert_eq!(
            normalize_event_types(names(&[
                " Customer.Created ",
                "invoice.drafted ",
                " Invoice.DRAFTED",
                "  ",
                ""
            ])),
            Some(names(&["customer.created", "invoice.drafted"]))
        );
        assert_eq!(normalize_event_types(names(&["*"])), None);
        assert_eq!(normalize_event_types(names(&[" * ", "*"])), None);
        assert_eq!(normalize_event_types(Vec::new()), Some(Vec::new()));
        assert_eq!(normalize_event_types(names(&["*", "plan.updated"])), Some(names(&["*", "plan.updated"])));
    }

    #[test]
    fn updates_are_partial_and_enable_the_endpoint() {
        let current = stored();
        let now = Utc::now();
        let update = WebhookEndpointUpdateInput { name: Some(None), ..WebhookEndpointUpdateInput::default() };
        assert_eq!(update.new_url(&current), None);
        let updated = update.apply(&current, false, now).expect("valid");
        assert_eq!(
            updated,
            WebhookEndpoint { name: None, disabled_at: None, updated_at: now, ..current.clone() }
        );

        let all_events = WebhookEndpointUpdateInput {
            event_types: Some(Some(names(&["*"]))),
            webhook_url: Some(Some("https://new.example".to_owned())),
            ..WebhookEndpointUpdateInput::default()
        };
        assert_eq!(all_events.new_url(&current), Some("https://new.example"));
        assert_eq!(all_events.apply(&current, false, now).expect("valid").event_types, None);
    }

    #[test]
    fn a_null_algorithm_or_url_on_update_is_invalid() {
        let update = WebhookEndpointUpdateInput {
            signature_algo: Some(None),
            webhook_url: Some(None),
            ..WebhookEndpointUpdateInput::default()
        };
        assert_eq!(
            errors_of(update.apply(&stored(), false, Utc::now())),
            "webhook_url: value_is_mandatory|url_is_invalid, signature_algo: value_is_invalid"
        );
    }
}
