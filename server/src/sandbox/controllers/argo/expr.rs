//! Argo's `when` and `depends` expressions, as far as compiled pipelines write them:
//! comparisons joined by `&&`, `||`, `!` and parentheses, with `int(…)`-style casts.
//! A comparison on a value nothing resolved gets a stable made-up outcome instead of an error.

/// How deep parentheses and `!` may nest; expressions come from uploaded files.
const MAX_DEPTH: usize = 32;
/// Longer expressions are not read (conditions are a line; this bounds the work).
const MAX_LENGTH: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Op, Operand),
    Value(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// A quoted literal or a bare word.
    Text(String),
    Number(f64),
    Bool(bool),
    /// A `{{reference}}` nothing resolved; holds the reference without braces.
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

impl std::fmt::Display for Operand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operand::Text(text) => write!(f, "{text:?}"),
            Operand::Number(number) => write!(f, "{number}"),
            Operand::Bool(value) => write!(f, "{value}"),
            Operand::Unknown(reference) => write!(f, "{{{{{reference}}}}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Operand(Operand),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
    /// `int`, `float`, `str`… right before `(`.
    Cast(String),
}

/// The reference inside `{{ … }}` when `text` is exactly one, trimmed.
fn sole_reference(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then(|| inner.trim())
}

fn tokens(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        if c.is_whitespace() {
            at += 1;
            continue;
        }
        let two = |a: char, b: char| c == a && next == Some(b);
        let (token, width) = if two('{', '{') {
            let rest: String = chars[at..].iter().collect();
            let end = rest.find("}}")? + 2;
            let reference = sole_reference(&rest[..end])?.to_string();
            (
                Token::Operand(Operand::Unknown(reference)),
                rest[..end].chars().count(),
            )
        } else if two('&', '&') {
            (Token::And, 2)
        } else if two('|', '|') {
            (Token::Or, 2)
        } else if two('=', '=') {
            (Token::Op(Op::Eq), 2)
        } else if two('!', '=') {
            (Token::Op(Op::Ne), 2)
        } else if two('<', '=') {
            (Token::Op(Op::Le), 2)
        } else if two('>', '=') {
            (Token::Op(Op::Ge), 2)
        } else if c == '<' {
            (Token::Op(Op::Lt), 1)
        } else if c == '>' {
            (Token::Op(Op::Gt), 1)
        } else if c == '!' {
            (Token::Not, 1)
        } else if c == '(' {
            (Token::Open, 1)
        } else if c == ')' {
            (Token::Close, 1)
        } else if c == '\'' || c == '"' {
            let close = chars[at + 1..].iter().position(|&d| d == c)?;
            let inner: String = chars[at + 1..at + 1 + close].iter().collect();
            let operand = match sole_reference(&inner) {
                Some(reference) => Operand::Unknown(reference.to_string()),
                None if inner.contains("{{") => Operand::Unknown(inner),
                None => Operand::Text(inner),
            };
            (Token::Operand(operand), close + 2)
        } else if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
            let length = chars[at..]
                .iter()
                .take_while(|d| d.is_ascii_alphanumeric() || matches!(d, '_' | '-' | '.'))
                .count();
            let word: String = chars[at..at + length].iter().collect();
            let followed_by_open = chars[at + length..]
                .iter()
                .find(|d| !d.is_whitespace())
                .is_some_and(|&d| d == '(');
            let token = if followed_by_open {
                Token::Cast(word)
            } else if let Some(number) = numeric(&word) {
                Token::Operand(Operand::Number(number))
            } else {
                match word.as_str() {
                    "true" | "True" => Token::Operand(Operand::Bool(true)),
                    "false" | "False" => Token::Operand(Operand::Bool(false)),
                    _ => Token::Operand(Operand::Text(word)),
                }
            };
            (token, length)
        } else {
            return None;
        };
        tokens.push(token);
        at += width;
    }
    Some(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn deeper(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn or(&mut self) -> Option<Expr> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }

    fn and(&mut self) -> Option<Expr> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Some(Expr::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            self.deeper()?;
            let inner = self.or()?;
            self.depth -= 1;
            if self.next()? != Token::Close {
                return None;
            }
            return Some(inner);
        }
        let left = self.operand()?;
        if let Some(Token::Op(op)) = self.peek().cloned() {
            self.at += 1;
            let right = self.operand()?;
            return Some(Expr::Compare(left, op, right));
        }
        Some(Expr::Value(left))
    }

    fn operand(&mut self) -> Option<Operand> {
        match self.next()? {
            Token::Operand(operand) => Some(operand),
            Token::Cast(function) => {
                if self.next()? != Token::Open {
                    return None;
                }
                let inner = self.operand()?;
                if self.next()? != Token::Close {
                    return None;
                }
                Some(cast(&function, inner))
            }
            _ => None,
        }
    }
}

fn cast(function: &str, operand: Operand) -> Operand {
    match (function, operand) {
        (_, Operand::Unknown(reference)) => Operand::Unknown(reference),
        ("int" | "float" | "double", Operand::Text(text)) => match numeric(&text) {
            Some(number) if function == "int" => Operand::Number(number.trunc()),
            Some(number) => Operand::Number(number),
            None => Operand::Text(text),
        },
        ("int", Operand::Number(number)) => Operand::Number(number.trunc()),
        ("str" | "string", Operand::Number(number)) => Operand::Text(number.to_string()),
        ("str" | "string", Operand::Bool(value)) => Operand::Text(value.to_string()),
        ("bool", Operand::Text(text)) => Operand::Bool(text.eq_ignore_ascii_case("true")),
        (_, other) => other,
    }
}

/// The expression, or None when it isn't one this reader understands.
pub(crate) fn parse(text: &str) -> Option<Expr> {
    if text.len() > MAX_LENGTH {
        return None;
    }
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    (parser.at == parser.tokens.len()).then_some(expr)
}

/// A decimal number as written (not `nan` or `inf`, which are names here).
fn numeric(text: &str) -> Option<f64> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    text.parse().ok().filter(|number: &f64| number.is_finite())
}

fn number(operand: &Operand) -> Option<f64> {
    match operand {
        Operand::Number(number) => Some(*number),
        Operand::Text(text) => numeric(text),
        _ => None,
    }
}

fn text(operand: &Operand) -> String {
    match operand {
        Operand::Text(text) => text.clone(),
        Operand::Number(number) => number.to_string(),
        Operand::Bool(value) => value.to_string(),
        Operand::Unknown(reference) => reference.clone(),
    }
}

fn compare(left: &Operand, op: Op, right: &Operand) -> bool {
    let ordering = match (number(left), number(right)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => {
            let (a, b) = (text(left), text(right));
            // Booleans compare as Python and Go print them: True, true.
            if matches!(left, Operand::Bool(_)) || matches!(right, Operand::Bool(_)) {
                Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()))
            } else {
                Some(a.cmp(&b))
            }
        }
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        Op::Eq => ordering.is_eq(),
        Op::Ne => ordering.is_ne(),
        Op::Lt => ordering.is_lt(),
        Op::Le => ordering.is_le(),
        Op::Gt => ordering.is_gt(),
        Op::Ge => ordering.is_ge(),
    }
}

/// Whether a `when` holds. `guess` decides a comparison on an unknown value, from its text,
/// so the same comparison always comes out the same way (and `else` branches stay exclusive).
pub(crate) fn holds(expr: &Expr, guess: &dyn Fn(&str) -> bool) -> bool {
    match expr {
        Expr::Or(a, b) => holds(a, guess) || holds(b, guess),
        Expr::And(a, b) => holds(a, guess) && holds(b, guess),
        Expr::Not(inner) => !holds(inner, guess),
        Expr::Compare(left, op, right) => {
            if matches!(left, Operand::Unknown(_)) || matches!(right, Operand::Unknown(_)) {
                guess(&format!("{left} {} {right}", op.as_str()))
            } else {
                compare(left, *op, right)
            }
        }
        Expr::Value(Operand::Bool(value)) => *value,
        Expr::Value(Operand::Number(number)) => *number != 0.0,
        Expr::Value(Operand::Text(text)) => text.eq_ignore_ascii_case("true"),
        Expr::Value(unknown @ Operand::Unknown(_)) => guess(&unknown.to_string()),
    }
}

/// Literals that `reference` is compared with in `expr` (`{{tasks.flip.outputs.result}} ==
/// 'heads'` gives `heads`): the values a simulated output may take.
pub(crate) fn compared_literals(expr: &Expr, reference: &str, into: &mut Vec<String>) {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            compared_literals(a, reference, into);
            compared_literals(b, reference, into);
        }
        Expr::Not(inner) => compared_literals(inner, reference, into),
        Expr::Compare(left, _, right) => {
            for (side, other) in [(left, right), (right, left)] {
                if *side == Operand::Unknown(reference.to_string())
                    && !matches!(other, Operand::Unknown(_))
                {
                    let literal = text(other);
                    if !into.contains(&literal) {
                        into.push(literal);
                    }
                }
            }
        }
        Expr::Value(_) => {}
    }
}

/// The task names an Argo `depends` expression waits for (`a && (b.Failed || c)`).
pub(crate) fn depends_tasks(expr: &Expr, into: &mut Vec<String>) {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            depends_tasks(a, into);
            depends_tasks(b, into);
        }
        Expr::Not(inner) => depends_tasks(inner, into),
        Expr::Value(Operand::Text(word)) => {
            let task = word.split('.').next().unwrap_or(word).to_string();
            if !into.contains(&task) {
                into.push(task);
            }
        }
        _ => {}
    }
}

/// Whether a `depends` expression holds, given each finished task's phase. A bare name means
/// it succeeded or was skipped, as in Argo.
pub(crate) fn depends_holds(expr: &Expr, phase: &dyn Fn(&str) -> String) -> bool {
    match expr {
        Expr::Or(a, b) => depends_holds(a, phase) || depends_holds(b, phase),
        Expr::And(a, b) => depends_holds(a, phase) && depends_holds(b, phase),
        Expr::Not(inner) => !depends_holds(inner, phase),
        Expr::Value(Operand::Text(word)) => {
            let (task, result) = word.split_once('.').unwrap_or((word, ""));
            let phase = phase(task);
            match result {
                "" => matches!(phase.as_str(), "Succeeded" | "Skipped"),
                "Succeeded" | "AnySucceeded" => phase == "Succeeded",
                "Failed" | "AllFailed" => phase == "Failed",
                "Errored" => phase == "Error",
                "Skipped" => phase == "Skipped",
                "Omitted" => phase == "Omitted",
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        panic!("nothing here is unknown")
    }

    #[test]
    fn comparisons_of_literals_hold_as_written() {
        for (text, expected) in [
            ("'heads' == 'heads'", true),
            ("\"heads\" == 'tails'", false),
            ("heads != tails", true),
            ("int('7') > 5", true),
            ("float(\"2.5\") <= 2", false),
            ("'10' > '9'", true),
            ("!('a' == 'a') && true", false),
            ("('a' == 'b' || 'c' == 'c') && !(1 >= 2)", true),
            ("True == true", true),
        ] {
            let expr = parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(holds(&expr, &never), expected, "{text}");
        }
    }

    #[test]
    fn unknown_references_are_guessed_by_their_comparison() {
        let expr = parse("'{{tasks.flip.outputs.result}}' == 'heads'").unwrap();
        let asked = std::cell::RefCell::new(Vec::new());
        let guess = |text: &str| {
            asked.borrow_mut().push(text.to_string());
            true
        };
        assert!(holds(&expr, &guess));
        assert_eq!(
            asked.borrow().as_slice(),
            ["{{tasks.flip.outputs.result}} == \"heads\""]
        );
        let else_branch = parse("!({{tasks.flip.outputs.result}} == 'heads')").unwrap();
        assert!(!holds(&else_branch, &|_| true));
    }

    #[test]
    fn literals_compared_with_a_reference_are_collected() {
        let expr = parse(
            "\"{{tasks.flip.outputs.parameters.out}}\" == \"heads\" || 'tails' == '{{tasks.flip.outputs.parameters.out}}' || {{x}} == 'no'",
        )
        .unwrap();
        let mut literals = Vec::new();
        compared_literals(&expr, "tasks.flip.outputs.parameters.out", &mut literals);
        assert_eq!(literals, ["heads", "tails"]);
    }

    #[test]
    fn depends_expressions_wait_for_their_tasks_and_read_results() {
        let expr = parse("(train.Succeeded || train.Failed) && !clean.Failed && prep").unwrap();
        let mut tasks = Vec::new();
        depends_tasks(&expr, &mut tasks);
        assert_eq!(tasks, ["train", "clean", "prep"]);
        let phases = |failed_train: bool| {
            move |task: &str| {
                match (task, failed_train) {
                    ("train", true) => "Failed",
                    ("prep", _) => "Skipped",
                    _ => "Succeeded",
                }
                .to_string()
            }
        };
        assert!(depends_holds(&expr, &phases(true)));
        assert!(depends_holds(&expr, &phases(false)));
        let strict = parse("train && prep").unwrap();
        assert!(!depends_holds(&strict, &phases(true)));
    }

    #[test]
    fn what_is_not_an_expression_is_refused_without_panicking() {
        for text in [
            "",
            "'open",
            "a ==",
            "(a == b",
            "a == b)",
            "{{unclosed",
            "a ~ b",
            &"(".repeat(100),
            &"!".repeat(100),
            &"a == b && ".repeat(1000),
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
