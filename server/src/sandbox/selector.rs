//! Label and field selectors parsed and applied the way the Kubernetes API server does on list and
//! watch requests, plus evaluation of structured `metav1.LabelSelector` objects found in resources.

use serde_json::{Map, Value};

/// Query strings come from untrusted clients; parsing is linear, but the cap keeps the allocations
/// proportional to something small.
const MAX_SELECTOR_BYTES: usize = 64 * 1024;
const MAX_REQUIREMENTS: usize = 256;
const MAX_NAME_PART: usize = 63;
const MAX_LABEL_VALUE: usize = 63;
const MAX_PREFIX_PART: usize = 253;

const NAME_CHARS: &str = "consist of alphanumeric characters, '-', '_' or '.', and must start and \
                          end with an alphanumeric character";
const SUBDOMAIN_CHARS: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
                               alphanumeric characters, '-' or '.', and must start and end with \
                               an alphanumeric character";
const INTEGER_ONLY: &str = "for 'gt', 'lt' operators, the value must be an integer";

/// Messages follow the API server's wording so they can be returned as a 400 Status unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// The API server prefixes syntax errors found inside one requirement this way.
    #[error("unable to parse requirement: {0}")]
    Requirement(String),
    /// Syntax errors between requirements, and field selector syntax, carry no prefix upstream.
    #[error("{0}")]
    Syntax(String),
    #[error("invalid label key {key:?}: {reason}")]
    InvalidKey { key: String, reason: String },
    #[error("invalid label value {value:?} for key {key:?}: {reason}")]
    InvalidValue {
        key: String,
        value: String,
        reason: String,
    },
    #[error("invalid requirement for label key {key:?}: {reason}")]
    InvalidRequirement { key: String, reason: String },
    #[error("{0:?} is not a valid label selector operator")]
    UnknownOperator(String),
    /// A structured selector whose JSON shape could not have been decoded into a metav1 type.
    #[error("invalid label selector: {0}")]
    Malformed(String),
    #[error("field label not supported: {0}")]
    UnsupportedField(String),
    #[error("selector is too long: {len} bytes, at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("selector has too many requirements: at most {max} are allowed")]
    TooManyRequirements { max: usize },
}

fn check_length(input: &str) -> Result<(), SelectorError> {
    if input.len() > MAX_SELECTOR_BYTES {
        return Err(SelectorError::TooLong {
            len: input.len(),
            max: MAX_SELECTOR_BYTES,
        });
    }
    Ok(())
}

/// The shared shape of a key's name part and of a non-empty value:
/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, checked on bytes so that non-ASCII never passes.
fn is_name_like(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

fn is_dns1123_subdomain_shape(s: &str) -> bool {
    s.split('.').all(|label| {
        let bytes = label.as_bytes();
        let edge_ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                edge_ok(first) && edge_ok(last) && bytes.iter().all(|b| edge_ok(b) || *b == b'-')
            }
            _ => false,
        }
    })
}

/// Collects every problem, like `validation.IsQualifiedName`, so one error explains them all.
fn validate_key(key: &str) -> Result<(), SelectorError> {
    let mut reasons = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((_, rest)) if rest.contains('/') => {
            return Err(SelectorError::InvalidKey {
                key: key.to_owned(),
                reason: format!(
                    "a qualified name must {NAME_CHARS}, with an optional DNS subdomain prefix \
                     and '/' (e.g. 'example.com/MyName')"
                ),
            });
        }
        Some((prefix, name)) => {
            if prefix.is_empty() {
                reasons.push("prefix part must be non-empty".to_owned());
            } else {
                if prefix.len() > MAX_PREFIX_PART {
                    reasons.push(format!(
                        "prefix part must be no more than {MAX_PREFIX_PART} characters"
                    ));
                }
                if !is_dns1123_subdomain_shape(prefix) {
                    reasons.push(format!("prefix part {SUBDOMAIN_CHARS}"));
                }
            }
            name
        }
    };
    if name.is_empty() {
        reasons.push("name part must be non-empty".to_owned());
    } else {
        if name.len() > MAX_NAME_PART {
            reasons.push(format!(
                "name part must be no more than {MAX_NAME_PART} characters"
            ));
        }
        if !is_name_like(name) {
            reasons.push(format!("name part must {NAME_CHARS}"));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(SelectorError::InvalidKey {
            key: key.to_owned(),
            reason: reasons.join("; "),
        })
    }
}

fn validate_value(key: &str, value: &str) -> Result<(), SelectorError> {
    let reason = if value.len() > MAX_LABEL_VALUE {
        format!("must be no more than {MAX_LABEL_VALUE} characters")
    } else if !value.is_empty() && !is_name_like(value) {
        format!("a valid label must be an empty string or {NAME_CHARS}")
    } else {
        return Ok(());
    };
    Err(SelectorError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        reason,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// `=` is `in` with one value and `!=` is `notin` with one value: upstream matches them with the
/// same code, so they share a representation here.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    /// Sorted and deduplicated, as upstream keeps them in a set.
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
    GreaterThan(i64),
    LessThan(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    test: Test,
}

/// How a label looks to a Go server that decoded it into `map[string]string`: JSON null becomes
/// "", while a number or boolean is present but can never equal a selector's string.
fn label_value<'a>(labels: &'a Map<String, Value>, key: &str) -> Option<Option<&'a str>> {
    labels.get(key).map(|value| match value {
        Value::String(s) => Some(s.as_str()),
        Value::Null => Some(""),
        _ => None,
    })
}

impl Requirement {
    /// Mirrors `labels.NewRequirement`, so string and structured selectors reject the same things.
    fn new(key: &str, op: Operator, mut values: Vec<String>) -> Result<Self, SelectorError> {
        validate_key(key)?;
        let invalid = |reason: &str| SelectorError::InvalidRequirement {
            key: key.to_owned(),
            reason: reason.to_owned(),
        };
        let mut bound = 0;
        match op {
            Operator::In | Operator::NotIn if values.is_empty() => {
                return Err(invalid(
                    "for 'in', 'notin' operators, values set can't be empty",
                ));
            }
            Operator::Equals | Operator::NotEquals if values.len() != 1 => {
                return Err(invalid(
                    "exact-match compatibility requires one single value",
                ));
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                return Err(invalid(
                    "values set must be empty for exists and does not exist",
                ));
            }
            Operator::GreaterThan | Operator::LessThan => {
                let [value] = values.as_slice() else {
                    return Err(invalid(
                        "for 'gt', 'lt' operators, exactly one value is required",
                    ));
                };
                bound = value
                    .parse::<i64>()
                    .map_err(|_| SelectorError::InvalidValue {
                        key: key.to_owned(),
                        value: value.clone(),
                        reason: INTEGER_ONLY.to_owned(),
                    })?;
            }
            _ => {}
        }
        for value in &values {
            validate_value(key, value)?;
        }
        values.sort_unstable();
        values.dedup();
        let test = match op {
            Operator::Equals | Operator::In => Test::In(values),
            Operator::NotEquals | Operator::NotIn => Test::NotIn(values),
            Operator::Exists => Test::Exists,
            Operator::DoesNotExist => Test::DoesNotExist,
            Operator::GreaterThan => Test::GreaterThan(bound),
            Operator::LessThan => Test::LessThan(bound),
        };
        Ok(Self {
            key: key.to_owned(),
            test,
        })
    }

    fn matches(&self, labels: &Map<String, Value>) -> bool {
        let found = label_value(labels, &self.key);
        let in_set = |set: &[String], value: Option<&str>| {
            value.is_some_and(|v| set.binary_search_by(|s| s.as_str().cmp(v)).is_ok())
        };
        // Numeric comparisons silently fail on non-integers, as upstream only logs them.
        let number = || found.flatten().and_then(|v| v.parse::<i64>().ok());
        match &self.test {
            Test::In(set) => found.is_some_and(|v| in_set(set, v)),
            Test::NotIn(set) => found.is_none_or(|v| !in_set(set, v)),
            Test::Exists => found.is_some(),
            Test::DoesNotExist => found.is_none(),
            Test::GreaterThan(bound) => number().is_some_and(|n| n > *bound),
            Test::LessThan(bound) => number().is_some_and(|n| n < *bound),
        }
    }
}

/// `in` and `notin` come out as identifiers: whether they are operators depends on where the
/// parser is (`x in (in)` is legal), exactly as upstream's parser contexts decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    End,
    Ident(&'a str),
    OpenPar,
    ClosePar,
    Comma,
    Bang,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
}

impl<'a> Token<'a> {
    /// What error messages quote, matching upstream's literals (end of input quotes as '').
    fn literal(self) -> &'a str {
        match self {
            Token::End => "",
            Token::Ident(s) => s,
            Token::OpenPar => "(",
            Token::ClosePar => ")",
            Token::Comma => ",",
            Token::Bang => "!",
            Token::Equals => "=",
            Token::DoubleEquals => "==",
            Token::NotEquals => "!=",
            Token::Greater => ">",
            Token::Less => "<",
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Tokens are produced on demand rather than scanned up front, so parsing needs no token buffer.
#[derive(Debug, Clone, Copy)]
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn next_token(&mut self) -> Token<'a> {
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() && is_whitespace(bytes[self.pos]) {
            self.pos += 1;
        }
        let Some(&first) = bytes.get(self.pos) else {
            return Token::End;
        };
        let second = bytes.get(self.pos + 1).copied();
        let (token, len) = match (first, second) {
            (b'=', Some(b'=')) => (Token::DoubleEquals, 2),
            (b'!', Some(b'=')) => (Token::NotEquals, 2),
            (b'=', _) => (Token::Equals, 1),
            (b'!', _) => (Token::Bang, 1),
            (b'(', _) => (Token::OpenPar, 1),
            (b')', _) => (Token::ClosePar, 1),
            (b',', _) => (Token::Comma, 1),
            (b'>', _) => (Token::Greater, 1),
            (b'<', _) => (Token::Less, 1),
            _ => {
                let start = self.pos;
                while self.pos < bytes.len()
                    && !is_whitespace(bytes[self.pos])
                    && !is_special(bytes[self.pos])
                {
                    self.pos += 1;
                }
                // Delimiters are ASCII, so both ends are char boundaries.
                return Token::Ident(&self.src[start..self.pos]);
            }
        };
        self.pos += len;
        token
    }

    fn peek(&self) -> Token<'a> {
        let mut copy = *self;
        copy.next_token()
    }
}

fn requirement_error(found: Token<'_>, expected: &str) -> SelectorError {
    SelectorError::Requirement(format!("found '{}', expected: {expected}", found.literal()))
}

fn syntax_error(found: Token<'_>, expected: &str) -> SelectorError {
    SelectorError::Syntax(format!("found '{}', expected: {expected}", found.literal()))
}

fn parse_requirements(input: &str) -> Result<Vec<Requirement>, SelectorError> {
    let mut lexer = Lexer { src: input, pos: 0 };
    let mut requirements = Vec::new();
    loop {
        match lexer.peek() {
            Token::End => return Ok(requirements),
            Token::Ident(_) | Token::Bang => {}
            other => return Err(syntax_error(other, "!, identifier, or 'end of string'")),
        }
        if requirements.len() == MAX_REQUIREMENTS {
            return Err(SelectorError::TooManyRequirements {
                max: MAX_REQUIREMENTS,
            });
        }
        requirements.push(parse_requirement(&mut lexer)?);
        match lexer.next_token() {
            Token::End => return Ok(requirements),
            Token::Comma => match lexer.peek() {
                Token::Ident(_) | Token::Bang => {}
                other => return Err(syntax_error(other, "identifier after ','")),
            },
            other => return Err(syntax_error(other, "',' or 'end of string'")),
        }
    }
}

fn parse_requirement(lexer: &mut Lexer<'_>) -> Result<Requirement, SelectorError> {
    let mut token = lexer.next_token();
    let negated = token == Token::Bang;
    if negated {
        token = lexer.next_token();
    }
    let Token::Ident(key) = token else {
        return Err(requirement_error(token, "identifier"));
    };
    validate_key(key)?;
    // Upstream decides `!key` before looking further, so `!a=b` fails on the `=` afterwards.
    if negated {
        return Requirement::new(key, Operator::DoesNotExist, Vec::new());
    }
    if matches!(lexer.peek(), Token::End | Token::Comma) {
        return Requirement::new(key, Operator::Exists, Vec::new());
    }
    let op = match lexer.next_token() {
        Token::Ident("in") => Operator::In,
        Token::Ident("notin") => Operator::NotIn,
        Token::Equals | Token::DoubleEquals => Operator::Equals,
        Token::NotEquals => Operator::NotEquals,
        Token::Greater => Operator::GreaterThan,
        Token::Less => Operator::LessThan,
        other => return Err(requirement_error(other, "in, notin, =, ==, !=, gt, lt")),
    };
    let values = match op {
        Operator::In | Operator::NotIn => parse_value_set(lexer)?,
        _ => vec![parse_exact_value(lexer)?],
    };
    Requirement::new(key, op, values)
}

fn parse_exact_value(lexer: &mut Lexer<'_>) -> Result<String, SelectorError> {
    // `key=` and `key!=` compare against the empty value.
    if matches!(lexer.peek(), Token::End | Token::Comma) {
        return Ok(String::new());
    }
    match lexer.next_token() {
        Token::Ident(value) => Ok(value.to_owned()),
        other => Err(requirement_error(other, "identifier")),
    }
}

/// Empty slots stand for the empty value: `()` is `("")` and `(,a)` is `("", a)`. The state
/// machine is upstream's, including its rejection of `(,,)` and `(a,,)`.
fn parse_value_set(lexer: &mut Lexer<'_>) -> Result<Vec<String>, SelectorError> {
    let open = lexer.next_token();
    if open != Token::OpenPar {
        return Err(SelectorError::Requirement(format!(
            "found '{}' expected: '('",
            open.literal()
        )));
    }
    match lexer.peek() {
        Token::ClosePar => {
            lexer.next_token();
            return Ok(vec![String::new()]);
        }
        Token::Ident(_) | Token::Comma => {}
        other => return Err(requirement_error(other, "',', ')' or identifier")),
    }
    let mut values: Vec<&str> = Vec::new();
    loop {
        match lexer.next_token() {
            Token::Ident(value) => {
                values.push(value);
                match lexer.peek() {
                    Token::Comma => {}
                    Token::ClosePar => break,
                    other => return Err(requirement_error(other, "',' or ')'")),
                }
            }
            Token::Comma => {
                if values.is_empty() {
                    values.push("");
                }
                match lexer.peek() {
                    Token::ClosePar => {
                        values.push("");
                        break;
                    }
                    Token::Comma => {
                        lexer.next_token();
                        values.push("");
                    }
                    _ => {}
                }
            }
            other => return Err(requirement_error(other, "',', or identifier")),
        }
    }
    lexer.next_token();
    Ok(values.into_iter().map(str::to_owned).collect())
}

/// A parsed `labelSelector` query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    /// Sorted by key, so selectors differing only in requirement order compare equal.
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Accepts exactly what `labels.Parse` accepts, including `key>n` / `key<n`.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        check_length(input)?;
        let mut requirements = parse_requirements(input)?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self { requirements })
    }

    /// `labels` is the object's `metadata.labels`; pass an empty map when it has none, since
    /// `!=`, `notin` and `!key` select such objects.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    pub fn is_everything(&self) -> bool {
        self.requirements.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Namespace,
    /// A kind-specific selectable field, as a dotted path into the object.
    Path(&'static str),
}

impl Field {
    fn from_label(label: &str, extra: &[&'static str]) -> Result<Self, SelectorError> {
        match label {
            "metadata.name" => Ok(Self::Name),
            "metadata.namespace" => Ok(Self::Namespace),
            other => extra
                .iter()
                .find(|field| **field == other)
                .map(|field| Self::Path(field))
                .ok_or_else(|| SelectorError::UnsupportedField(other.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldTerm {
    field: Field,
    equal: bool,
    value: String,
}

/// A parsed `fieldSelector` query parameter. Only `metadata.name` and `metadata.namespace` are
/// selectable, as for most built-in resources and every custom resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

/// Splits on commas that are not escaped; the escapes stay in place for `unescape` to resolve.
fn split_terms(input: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            terms.push(&input[start..i]);
            start = i + 1;
        }
    }
    terms.push(&input[start..]);
    terms
}

/// The first operator occurrence wins because field names cannot be escaped; `!=` and `==` are
/// tried before `=` so the value never keeps a stray `=`.
fn split_term(term: &str) -> Option<(&str, bool, &str)> {
    term.char_indices().find_map(|(i, _)| {
        let rest = &term[i..];
        [("!=", false), ("==", true), ("=", true)]
            .into_iter()
            .find(|(op, _)| rest.starts_with(op))
            .map(|(op, equal)| (&term[..i], equal, &rest[op.len()..]))
    })
}

fn unescape(raw: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('\\' | ',' | '=')) => out.push(escaped),
                Some(other) => {
                    return Err(SelectorError::Syntax(format!(
                        "invalid field selector: invalid escape sequence: \\{other}"
                    )));
                }
                None => {
                    return Err(SelectorError::Syntax(
                        "invalid field selector: invalid escape sequence: \\".to_owned(),
                    ));
                }
            },
            ',' | '=' => {
                return Err(SelectorError::Syntax(format!(
                    "invalid field selector: unescaped character in value: {c}"
                )));
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

impl FieldSelector {
    /// Values are taken verbatim apart from `\,` `\=` `\\`: like upstream, no whitespace is
    /// trimmed, so `metadata.name = x` names the unsupported field `metadata.name `.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        Self::parse_with(input, &[])
    }

    /// Like [`FieldSelector::parse`], also accepting the kind's own selectable fields (for
    /// example `involvedObject.name` for Events, `status.phase` for Pods).
    pub fn parse_with(input: &str, extra: &[&'static str]) -> Result<Self, SelectorError> {
        check_length(input)?;
        let mut parts = split_terms(input);
        parts.retain(|part| !part.is_empty());
        if parts.len() > MAX_REQUIREMENTS {
            return Err(SelectorError::TooManyRequirements {
                max: MAX_REQUIREMENTS,
            });
        }
        // Upstream sorts the raw terms and reports syntax errors before unknown fields; doing
        // the same keeps the reported error identical when a selector has several faults.
        parts.sort_unstable();
        let mut parsed = Vec::with_capacity(parts.len());
        for part in parts {
            let (label, equal, raw) = split_term(part).ok_or_else(|| {
                SelectorError::Syntax(format!(
                    "invalid selector: '{input}'; can't understand '{part}'"
                ))
            })?;
            parsed.push((label, equal, unescape(raw)?));
        }
        let terms = parsed
            .into_iter()
            .map(|(label, equal, value)| {
                Ok(FieldTerm {
                    field: Field::from_label(label, extra)?,
                    equal,
                    value,
                })
            })
            .collect::<Result<_, SelectorError>>()?;
        Ok(Self { terms })
    }

    /// Cluster-scoped objects pass `None`, which upstream sees as the empty namespace.
    /// Kind-specific fields compare as the empty string here; use `matches_object` for them.
    pub fn matches(&self, name: &str, namespace: Option<&str>) -> bool {
        self.terms.iter().all(|term| {
            let actual = match term.field {
                Field::Name => name,
                Field::Namespace => namespace.unwrap_or(""),
                Field::Path(_) => "",
            };
            (actual == term.value) == term.equal
        })
    }

    /// Matches a whole object: metadata fields and the kind's selectable fields (missing or
    /// non-string values read as "", as the API server's field sets report them).
    pub fn matches_object(&self, object: &Value) -> bool {
        self.terms.iter().all(|term| {
            let pointer = match term.field {
                Field::Name => "/metadata/name".to_owned(),
                Field::Namespace => "/metadata/namespace".to_owned(),
                Field::Path(path) => format!("/{}", path.replace('.', "/")),
            };
            let actual = object
                .pointer(&pointer)
                .and_then(Value::as_str)
                .unwrap_or("");
            (actual == term.value) == term.equal
        })
    }

    /// If the selector pins metadata.name with = or ==, that name (lets the server skip a scan).
    /// Other terms still apply, so the fetched object must go through `matches` as well.
    pub fn exact_name(&self) -> Option<&str> {
        self.terms
            .iter()
            .find(|term| term.field == Field::Name && term.equal)
            .map(|term| term.value.as_str())
    }
}

fn malformed(what: &str) -> SelectorError {
    SelectorError::Malformed(what.to_owned())
}

/// Go decodes JSON null into a string field as "", so null and missing read as the empty string.
fn string_field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<&'a str, SelectorError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(malformed(&format!("{what} must be a string"))),
    }
}

fn structured_requirements(
    selector: &Map<String, Value>,
) -> Result<Vec<Requirement>, SelectorError> {
    let mut requirements = Vec::new();
    match selector.get("matchLabels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(labels)) => {
            for key in labels.keys() {
                let value = string_field(labels, key, "matchLabels values")?;
                requirements.push(Requirement::new(
                    key,
                    Operator::Equals,
                    vec![value.to_owned()],
                )?);
            }
        }
        Some(_) => return Err(malformed("matchLabels must be an object")),
    }
    match selector.get("matchExpressions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(expressions)) => {
            for expression in expressions {
                let Value::Object(expression) = expression else {
                    return Err(malformed("matchExpressions entries must be objects"));
                };
                let key = string_field(expression, "key", "matchExpressions key")?;
                let operator = string_field(expression, "operator", "matchExpressions operator")?;
                // The operator is checked before the key, as upstream converts it first.
                let op = match operator {
                    "In" => Operator::In,
                    "NotIn" => Operator::NotIn,
                    "Exists" => Operator::Exists,
                    "DoesNotExist" => Operator::DoesNotExist,
                    other => return Err(SelectorError::UnknownOperator(other.to_owned())),
                };
                let values = match expression.get("values") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(values)) => values
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(s.clone()),
                            Value::Null => Ok(String::new()),
                            _ => Err(malformed("matchExpressions values must be strings")),
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err(malformed("matchExpressions values must be an array")),
                };
                requirements.push(Requirement::new(key, op, values)?);
            }
        }
        Some(_) => return Err(malformed("matchExpressions must be an array")),
    }
    Ok(requirements)
}

/// Evaluates a `metav1.LabelSelector` the way `LabelSelectorAsSelector` does: `{}` selects
/// everything, while JSON null (a nil selector) selects nothing. Every requirement is validated
/// before any is matched, so an invalid selector is an error whatever the labels are.
pub fn matches_structured(
    selector: &Value,
    labels: &Map<String, Value>,
) -> Result<bool, SelectorError> {
    match selector {
        Value::Null => Ok(false),
        Value::Object(selector) => Ok(structured_requirements(selector)?
            .iter()
            .all(|r| r.matches(labels))),
        _ => Err(malformed("a label selector must be an object")),
    }
}

#[cfg(test)]
mod kind_field_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kind_specific_fields_select_on_the_object() {
        const EVENT_FIELDS: &[&str] = &["involvedObject.name", "involvedObject.uid", "type"];
        let selector =
            FieldSelector::parse_with("involvedObject.name=nb-0,type!=Warning", EVENT_FIELDS)
                .unwrap();
        let event = json!({ "metadata": { "name": "e", "namespace": "ns" }, "involvedObject": { "name": "nb-0" }, "type": "Normal" });
        assert!(selector.matches_object(&event));
        let warning = json!({ "metadata": { "name": "e" }, "involvedObject": { "name": "nb-0" }, "type": "Warning" });
        assert!(!selector.matches_object(&warning));
        assert!(
            FieldSelector::parse("involvedObject.name=nb-0").is_err(),
            "not without the kind's list"
        );
        assert!(
            FieldSelector::parse_with("metadata.namespace=ns", EVENT_FIELDS)
                .unwrap()
                .matches_object(&event)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("test labels must be an object, got {other}"),
        }
    }

    #[test]
    fn label_selector_matching() {
        // (selector, labels, expected)
        let cases: &[(&str, Value, bool)] = &[
            ("", json!({}), true),
            ("", json!({"a": "b"}), true),
            ("   \t", json!({"a": "b"}), true),
            // = and ==
            ("env=prod", json!({"env": "prod"}), true),
            ("env=prod", json!({"env": "dev"}), false),
            ("env=prod", json!({}), false),
            ("env==prod", json!({"env": "prod"}), true),
            ("env==prod", json!({"env": "dev"}), false),
            ("env==prod", json!({}), false),
            // != selects objects without the label too
            ("env!=prod", json!({"env": "prod"}), false),
            ("env!=prod", json!({"env": "dev"}), true),
            ("env!=prod", json!({}), true),
            // empty values
            ("env=", json!({"env": ""}), true),
            ("env=", json!({"env": "x"}), false),
            ("env=", json!({}), false),
            ("env!=", json!({"env": ""}), false),
            ("env!=", json!({}), true),
            ("env==,x", json!({"env": "", "x": "1"}), true),
            // in / notin
            ("env in (prod, staging)", json!({"env": "staging"}), true),
            ("env in (prod,staging)", json!({"env": "dev"}), false),
            ("env in (prod,staging)", json!({}), false),
            ("env notin (prod, staging)", json!({"env": "prod"}), false),
            ("env notin (prod,staging)", json!({"env": "dev"}), true),
            ("env notin (prod,staging)", json!({}), true),
            ("tier in ()", json!({"tier": ""}), true),
            ("tier in ()", json!({"tier": "a"}), false),
            ("tier in (,a)", json!({"tier": ""}), true),
            ("tier in (a,)", json!({"tier": ""}), true),
            ("tier in (a,,b)", json!({"tier": ""}), true),
            ("tier in (a,,b)", json!({"tier": "c"}), false),
            ("tier notin (a,)", json!({"tier": ""}), false),
            // exists / does not exist
            ("env", json!({"env": ""}), true),
            ("env", json!({"other": "x"}), false),
            ("!env", json!({}), true),
            ("!env", json!({"env": "x"}), false),
            ("! env", json!({}), true),
            // gt / lt
            ("replicas>2", json!({"replicas": "3"}), true),
            ("replicas>2", json!({"replicas": "2"}), false),
            ("replicas>2", json!({"replicas": "many"}), false),
            ("replicas>2", json!({}), false),
            ("replicas<2", json!({"replicas": "-1"}), true),
            ("replicas<2", json!({"replicas": "2"}), false),
            ("replicas<2", json!({}), false),
            // AND
            ("a=1,b!=2", json!({"a": "1", "b": "3"}), true),
            ("a=1,b!=2", json!({"a": "1", "b": "2"}), false),
            ("a=1,b!=2", json!({"a": "1"}), true),
            ("a=1,!b,c in (x)", json!({"a": "1", "c": "x"}), true),
            (
                "a=1,!b,c in (x)",
                json!({"a": "1", "b": "", "c": "x"}),
                false,
            ),
            // keys and values
            (
                "app.kubernetes.io/name=kf-dash",
                json!({"app.kubernetes.io/name": "kf-dash"}),
                true,
            ),
            ("a=A_b.c-9", json!({"a": "A_b.c-9"}), true),
            // `in` / `notin` are identifiers outside the operator position
            ("x in (in,notin)", json!({"x": "notin"}), true),
            ("in=notin", json!({"in": "notin"}), true),
            ("in", json!({"in": "x"}), true),
            ("!notin", json!({"notin": "x"}), false),
            ("x=in", json!({"x": "in"}), true),
            // whitespace around every token
            (
                "  env  =  prod  ,  tier  in(a , b)  ",
                json!({"env": "prod", "tier": "b"}),
                true,
            ),
            ("env\t==\tprod\n,\r!x", json!({"env": "prod"}), true),
            (
                "env\t==\tprod\n,\r!x",
                json!({"env": "prod", "x": "1"}),
                false,
            ),
            ("x notin(a)", json!({"x": "a"}), false),
            // labels that are not strings: present, but equal to nothing
            ("env", json!({"env": 1}), true),
            ("env=1", json!({"env": 1}), false),
            ("env!=1", json!({"env": 1}), true),
            ("env>0", json!({"env": 1}), false),
            ("env=", json!({"env": null}), true),
        ];
        for (selector, object_labels, expected) in cases {
            let parsed = LabelSelector::parse(selector)
                .unwrap_or_else(|e| panic!("{selector:?} should parse: {e}"));
            assert_eq!(
                parsed.matches(&labels(object_labels.clone())),
                *expected,
                "{selector:?} against {object_labels}"
            );
        }
    }

    #[test]
    fn label_selector_syntax_errors() {
        // (selector, full error message)
        let cases: &[(&str, &str)] = &[
            (
                ",",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            ("a,", "found '', expected: identifier after ','"),
            ("a,,b", "found ',', expected: identifier after ','"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            ("a in (b) c", "found 'c', expected: ',' or 'end of string'"),
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "a (b)",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "!=a",
                "found '!=', expected: !, identifier, or 'end of string'",
            ),
            (
                "!!a",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a in",
                "unable to parse requirement: found '' expected: '('",
            ),
            (
                "a in (b",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a in (b c)",
                "unable to parse requirement: found 'c', expected: ',' or ')'",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "a in (,,)",
                "unable to parse requirement: found ')', expected: ',', or identifier",
            ),
            (
                "a in (b,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier",
            ),
            (
                "a=(b)",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "a===b",
                "unable to parse requirement: found '=', expected: identifier",
            ),
            (
                "a=!b",
                "unable to parse requirement: found '!', expected: identifier",
            ),
        ];
        for (selector, message) in cases {
            let err = LabelSelector::parse(selector).expect_err(selector);
            assert!(
                matches!(
                    err,
                    SelectorError::Syntax(_) | SelectorError::Requirement(_)
                ),
                "{selector:?} gave {err:?}"
            );
            assert_eq!(err.to_string(), *message, "{selector:?}");
        }
    }

    #[test]
    fn label_selector_invalid_keys() {
        let long_name = "a".repeat(64);
        let long_prefix = format!("{}/a", "a".repeat(254));
        let max_key = format!("{}/{}", "a".repeat(253), "b".repeat(63));
        LabelSelector::parse(&max_key).expect("prefix of 253 and name of 63 are allowed");
        // (selector, offending key, substring of the reason)
        let cases: &[(&str, &str, &str)] = &[
            ("-a=b", "-a", "name part must consist of"),
            ("a-=b", "a-", "name part must consist of"),
            ("a/b/c", "a/b/c", "a qualified name must consist of"),
            ("/a", "/a", "prefix part must be non-empty"),
            ("a/", "a/", "name part must be non-empty"),
            (
                "Example.com/a",
                "Example.com/a",
                "prefix part a lowercase RFC 1123 subdomain",
            ),
            (
                "example..com/a",
                "example..com/a",
                "prefix part a lowercase RFC 1123 subdomain",
            ),
            ("é=1", "é", "name part must consist of"),
            ("!_x", "_x", "name part must consist of"),
            ("x_ in (a)", "x_", "name part must consist of"),
            (
                &long_name,
                &long_name,
                "name part must be no more than 63 characters",
            ),
            (
                &long_prefix,
                &long_prefix,
                "prefix part must be no more than 253 characters",
            ),
        ];
        for (selector, key, reason) in cases {
            match LabelSelector::parse(selector) {
                Err(SelectorError::InvalidKey {
                    key: got,
                    reason: why,
                }) => {
                    assert_eq!(got, *key, "{selector:?}");
                    assert!(why.contains(reason), "{selector:?}: {why}");
                }
                other => panic!("{selector:?} should have an invalid key, got {other:?}"),
            }
        }
    }

    #[test]
    fn label_selector_invalid_values() {
        let long = format!("a={}", "v".repeat(64));
        let max = format!("a={}", "v".repeat(63));
        LabelSelector::parse(&max).expect("63 characters is the maximum value length");
        // (selector, offending value, substring of the reason)
        let cases: &[(&str, &str, &str)] = &[
            ("a=-b", "-b", "a valid label must be an empty string"),
            ("a=b_", "b_", "a valid label must be an empty string"),
            ("a!=b/c", "b/c", "a valid label must be an empty string"),
            (
                "a in (ok,_bad)",
                "_bad",
                "a valid label must be an empty string",
            ),
            (&long, &long[2..], "must be no more than 63 characters"),
            ("a>b", "b", "must be an integer"),
            ("a<1.5", "1.5", "must be an integer"),
            ("a>", "", "must be an integer"),
            ("a>-1", "-1", "a valid label must be an empty string"),
        ];
        for (selector, value, reason) in cases {
            match LabelSelector::parse(selector) {
                Err(SelectorError::InvalidValue {
                    key,
                    value: got,
                    reason: why,
                }) => {
                    assert_eq!(key, "a", "{selector:?}");
                    assert_eq!(got, *value, "{selector:?}");
                    assert!(why.contains(reason), "{selector:?}: {why}");
                }
                other => panic!("{selector:?} should have an invalid value, got {other:?}"),
            }
        }
    }

    #[test]
    fn label_selector_limits() {
        let at_limit = format!("a=b{}", " ".repeat(MAX_SELECTOR_BYTES - 3));
        assert!(LabelSelector::parse(&at_limit).is_ok());
        let over = format!("{at_limit} ");
        assert_eq!(
            LabelSelector::parse(&over),
            Err(SelectorError::TooLong {
                len: MAX_SELECTOR_BYTES + 1,
                max: MAX_SELECTOR_BYTES
            })
        );

        let keys = |n: usize| {
            (0..n)
                .map(|i| format!("k{i}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let parsed = LabelSelector::parse(&keys(MAX_REQUIREMENTS)).expect("256 is allowed");
        assert_eq!(parsed.requirements.len(), MAX_REQUIREMENTS);
        assert_eq!(
            LabelSelector::parse(&keys(MAX_REQUIREMENTS + 1)),
            Err(SelectorError::TooManyRequirements {
                max: MAX_REQUIREMENTS
            })
        );
    }

    #[test]
    fn label_selector_normalization_and_everything() {
        assert!(LabelSelector::parse("").unwrap().is_everything());
        assert!(LabelSelector::parse(" \n ").unwrap().is_everything());
        assert!(LabelSelector::default().is_everything());
        assert!(!LabelSelector::parse("a").unwrap().is_everything());
        assert!(!LabelSelector::parse("!a").unwrap().is_everything());
        assert_eq!(
            LabelSelector::parse("b=1,a in (y,x,x)").unwrap(),
            LabelSelector::parse(" a in (x,y) , b==1").unwrap()
        );
        assert_ne!(
            LabelSelector::parse("a=1").unwrap(),
            LabelSelector::parse("a!=1").unwrap()
        );
    }

    #[test]
    fn field_selector_matching() {
        // (selector, name, namespace, expected)
        let cases: &[(&str, &str, Option<&str>, bool)] = &[
            ("", "x", Some("ns"), true),
            ("", "x", None, true),
            (",,", "x", None, true),
            ("metadata.name=foo", "foo", Some("ns"), true),
            ("metadata.name=foo", "bar", Some("ns"), false),
            ("metadata.name==foo", "foo", None, true),
            ("metadata.name==foo", "bar", None, false),
            ("metadata.name!=foo", "foo", None, false),
            ("metadata.name!=foo", "bar", None, true),
            ("metadata.namespace=ns1", "x", Some("ns1"), true),
            ("metadata.namespace=ns1", "x", Some("ns2"), false),
            ("metadata.namespace=ns1", "x", None, false),
            ("metadata.namespace=", "x", None, true),
            ("metadata.namespace=", "x", Some("ns"), false),
            ("metadata.namespace!=", "x", None, false),
            ("metadata.namespace!=", "x", Some("ns"), true),
            ("metadata.name=a,metadata.namespace=b", "a", Some("b"), true),
            (
                "metadata.name=a,metadata.namespace=b",
                "a",
                Some("c"),
                false,
            ),
            ("metadata.name=a,metadata.namespace!=b", "a", None, true),
            (",metadata.name=a,,", "a", None, true),
            ("metadata.name=!x", "!x", None, true),
            // no trimming: the space belongs to the value
            ("metadata.name= foo", " foo", None, true),
            ("metadata.name= foo", "foo", None, false),
            // escapes
            (r"metadata.name=a\,b", "a,b", None, true),
            (r"metadata.name=a\,b", "a", None, false),
            (r"metadata.name=a\=b", "a=b", None, true),
            (r"metadata.name=a\\b", r"a\b", None, true),
            (
                r"metadata.name=a\\,metadata.namespace=n",
                r"a\",
                Some("n"),
                true,
            ),
            (
                r"metadata.name=a\\,metadata.namespace=n",
                r"a\",
                Some("m"),
                false,
            ),
            (r"metadata.name!=\,", ",", None, false),
            (r"metadata.name!=\,", "x", None, true),
        ];
        for (selector, name, namespace, expected) in cases {
            let parsed = FieldSelector::parse(selector)
                .unwrap_or_else(|e| panic!("{selector:?} should parse: {e}"));
            assert_eq!(
                parsed.matches(name, *namespace),
                *expected,
                "{selector:?} against {name:?} in {namespace:?}"
            );
        }
    }

    #[test]
    fn field_selector_errors() {
        // (selector, full error message)
        let cases: &[(&str, &str)] = &[
            (
                "metadata.name",
                "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
            ),
            (
                "metadata.name=a,b",
                "invalid selector: 'metadata.name=a,b'; can't understand 'b'",
            ),
            ("spec.x=1", "field label not supported: spec.x"),
            (
                "status.phase!=Running",
                "field label not supported: status.phase",
            ),
            (
                "metadata.name =a",
                "field label not supported: metadata.name ",
            ),
            ("=a", "field label not supported: "),
            (
                r"metadata.name=a\b",
                r"invalid field selector: invalid escape sequence: \b",
            ),
            (
                r"metadata.name=a\",
                r"invalid field selector: invalid escape sequence: \",
            ),
            (
                "metadata.name=a=b",
                "invalid field selector: unescaped character in value: =",
            ),
            (
                "metadata.name===b",
                "invalid field selector: unescaped character in value: =",
            ),
            // every term is parsed before any field is checked, in sorted order
            (
                r"metadata.name=\q,a.x",
                r"invalid selector: 'metadata.name=\q,a.x'; can't understand 'a.x'",
            ),
            (
                r"a.x=1,metadata.name=\q",
                r"invalid field selector: invalid escape sequence: \q",
            ),
        ];
        for (selector, message) in cases {
            let err = FieldSelector::parse(selector).expect_err(selector);
            assert_eq!(err.to_string(), *message, "{selector:?}");
        }
        assert_eq!(
            FieldSelector::parse("spec.x=1"),
            Err(SelectorError::UnsupportedField("spec.x".to_owned()))
        );
    }

    #[test]
    fn field_selector_limits() {
        let at_limit = format!("metadata.name={}", "a".repeat(MAX_SELECTOR_BYTES - 14));
        assert_eq!(at_limit.len(), MAX_SELECTOR_BYTES);
        assert!(FieldSelector::parse(&at_limit).is_ok());
        assert_eq!(
            FieldSelector::parse(&format!("{at_limit}a")),
            Err(SelectorError::TooLong {
                len: MAX_SELECTOR_BYTES + 1,
                max: MAX_SELECTOR_BYTES
            })
        );
        let terms = |n: usize| vec!["metadata.name!=x"; n].join(",");
        assert!(FieldSelector::parse(&terms(MAX_REQUIREMENTS)).is_ok());
        assert_eq!(
            FieldSelector::parse(&terms(MAX_REQUIREMENTS + 1)),
            Err(SelectorError::TooManyRequirements {
                max: MAX_REQUIREMENTS
            })
        );
    }

    #[test]
    fn field_selector_exact_name() {
        let cases: &[(&str, Option<&str>)] = &[
            ("", None),
            ("metadata.name=foo", Some("foo")),
            ("metadata.name==foo", Some("foo")),
            ("metadata.name!=foo", None),
            ("metadata.namespace=foo", None),
            ("metadata.namespace=ns,metadata.name=x", Some("x")),
            ("metadata.name!=a,metadata.name=b", Some("b")),
            (r"metadata.name=a\,b", Some("a,b")),
            ("metadata.name=", Some("")),
        ];
        for (selector, expected) in cases {
            let parsed = FieldSelector::parse(selector).unwrap();
            assert_eq!(parsed.exact_name(), *expected, "{selector:?}");
        }
        assert_eq!(FieldSelector::default().exact_name(), None);
    }

    #[test]
    fn field_selector_term_order_does_not_matter() {
        assert_eq!(
            FieldSelector::parse("metadata.namespace=a,metadata.name=b").unwrap(),
            FieldSelector::parse("metadata.name=b,,metadata.namespace=a").unwrap()
        );
        assert_ne!(
            FieldSelector::parse("metadata.name=b").unwrap(),
            FieldSelector::parse("metadata.name!=b").unwrap()
        );
        assert_eq!(FieldSelector::parse("").unwrap(), FieldSelector::default());
    }

    #[test]
    fn structured_selector_matching() {
        let expressions = |op: &str, values: Value| {
            let expression = json!({"key": "tier", "operator": op, "values": values});
            json!({ "matchExpressions": [expression] })
        };
        // (selector, labels, expected)
        let cases: Vec<(Value, Value, bool)> = vec![
            (json!({}), json!({}), true),
            (json!({}), json!({"a": "b"}), true),
            (
                json!({"matchLabels": {}, "matchExpressions": []}),
                json!({"a": "b"}),
                true,
            ),
            (
                json!({"matchLabels": null, "matchExpressions": null}),
                json!({}),
                true,
            ),
            (json!(null), json!({"a": "b"}), false),
            (
                json!({"matchLabels": {"app": "kf"}}),
                json!({"app": "kf"}),
                true,
            ),
            (
                json!({"matchLabels": {"app": "kf"}}),
                json!({"app": "other"}),
                false,
            ),
            (json!({"matchLabels": {"app": "kf"}}), json!({}), false),
            (
                json!({"matchLabels": {"app": ""}}),
                json!({"app": ""}),
                true,
            ),
            (
                expressions("In", json!(["a", "b"])),
                json!({"tier": "b"}),
                true,
            ),
            (
                expressions("In", json!(["a", "b"])),
                json!({"tier": "c"}),
                false,
            ),
            (expressions("In", json!(["a", "b"])), json!({}), false),
            (
                expressions("NotIn", json!(["a", "b"])),
                json!({"tier": "a"}),
                false,
            ),
            (
                expressions("NotIn", json!(["a", "b"])),
                json!({"tier": "c"}),
                true,
            ),
            (expressions("NotIn", json!(["a", "b"])), json!({}), true),
            (expressions("Exists", json!([])), json!({"tier": ""}), true),
            (expressions("Exists", json!(null)), json!({}), false),
            (expressions("DoesNotExist", json!([])), json!({}), true),
            (
                expressions("DoesNotExist", json!([])),
                json!({"tier": "x"}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}),
                json!({"tier": "x"}),
                true,
            ),
            (
                json!({
                    "matchLabels": {"app": "kf", "rbac.example.com/aggregate-to-edit": "true"},
                    "matchExpressions": [
                        {"key": "tier", "operator": "In", "values": ["web"]},
                        {"key": "legacy", "operator": "DoesNotExist"},
                    ],
                }),
                json!({"app": "kf", "rbac.example.com/aggregate-to-edit": "true", "tier": "web"}),
                true,
            ),
            (
                json!({
                    "matchLabels": {"app": "kf"},
                    "matchExpressions": [{"key": "legacy", "operator": "DoesNotExist"}],
                }),
                json!({"app": "kf", "legacy": "yes"}),
                false,
            ),
        ];
        for (selector, object_labels, expected) in cases {
            assert_eq!(
                matches_structured(&selector, &labels(object_labels.clone())),
                Ok(expected),
                "{selector} against {object_labels}"
            );
        }
    }

    #[test]
    fn structured_selector_errors() {
        let expression = |body: Value| json!({"matchExpressions": [body]});
        let cases: Vec<(Value, SelectorError)> = vec![
            (
                expression(json!({"key": "a", "operator": "Gt", "values": ["1"]})),
                SelectorError::UnknownOperator("Gt".to_owned()),
            ),
            (
                expression(json!({"key": "a", "operator": "in", "values": ["1"]})),
                SelectorError::UnknownOperator("in".to_owned()),
            ),
            (
                expression(json!({"key": "-bad", "values": ["1"]})),
                SelectorError::UnknownOperator(String::new()),
            ),
            (
                expression(json!({"key": "a", "operator": "In", "values": []})),
                SelectorError::InvalidRequirement {
                    key: "a".to_owned(),
                    reason: "for 'in', 'notin' operators, values set can't be empty".to_owned(),
                },
            ),
            (
                expression(json!({"key": "a", "operator": "NotIn"})),
                SelectorError::InvalidRequirement {
                    key: "a".to_owned(),
                    reason: "for 'in', 'notin' operators, values set can't be empty".to_owned(),
                },
            ),
            (
                expression(json!({"key": "a", "operator": "Exists", "values": ["x"]})),
                SelectorError::InvalidRequirement {
                    key: "a".to_owned(),
                    reason: "values set must be empty for exists and does not exist".to_owned(),
                },
            ),
            (
                expression(json!({"key": "a", "operator": "In", "values": [1]})),
                SelectorError::Malformed("matchExpressions values must be strings".to_owned()),
            ),
            (
                json!({"matchLabels": ["a"]}),
                SelectorError::Malformed("matchLabels must be an object".to_owned()),
            ),
            (
                json!({"matchLabels": {"a": 1}}),
                SelectorError::Malformed("matchLabels values must be a string".to_owned()),
            ),
            (
                json!({"matchExpressions": {}}),
                SelectorError::Malformed("matchExpressions must be an array".to_owned()),
            ),
            (
                json!("app=kf"),
                SelectorError::Malformed("a label selector must be an object".to_owned()),
            ),
        ];
        for (selector, expected) in cases {
            assert_eq!(
                matches_structured(&selector, &Map::new()),
                Err(expected),
                "{selector}"
            );
        }

        let invalid_key = matches_structured(&json!({"matchLabels": {"-a": "b"}}), &Map::new());
        assert!(
            matches!(&invalid_key, Err(SelectorError::InvalidKey { key, .. }) if key == "-a"),
            "{invalid_key:?}"
        );
        let missing_key = matches_structured(
            &expression(json!({"operator": "Exists"})),
            &labels(json!({"": "x"})),
        );
        assert!(
            matches!(&missing_key, Err(SelectorError::InvalidKey { reason, .. })
                if reason == "name part must be non-empty"),
            "{missing_key:?}"
        );
        let invalid_value = matches_structured(
            &expression(json!({"key": "a", "operator": "NotIn", "values": ["ok", "b!"]})),
            &Map::new(),
        );
        assert!(
            matches!(&invalid_value, Err(SelectorError::InvalidValue { value, .. })
                if value == "b!"),
            "{invalid_value:?}"
        );
    }

    #[test]
    fn error_messages_read_like_the_api_server() {
        assert_eq!(
            SelectorError::UnsupportedField("spec.x".to_owned()).to_string(),
            "field label not supported: spec.x"
        );
        assert_eq!(
            LabelSelector::parse("a=-b").unwrap_err().to_string(),
            "invalid label value \"-b\" for key \"a\": a valid label must be an empty string or \
             consist of alphanumeric characters, '-', '_' or '.', and must start and end \
             with an alphanumeric character"
        );
        assert_eq!(
            LabelSelector::parse("/a").unwrap_err().to_string(),
            "invalid label key \"/a\": prefix part must be non-empty"
        );
        assert_eq!(
            matches_structured(
                &json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}),
                &Map::new()
            )
            .unwrap_err()
            .to_string(),
            "\"Gt\" is not a valid label selector operator"
        );
    }
}
