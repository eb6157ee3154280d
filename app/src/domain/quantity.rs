//! Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`): parsed exactly, compared, scaled by
//! the spawner's limit factor and written back the way apimachinery canonicalises them.

use std::cmp::Ordering;
use std::fmt;

/// Nano-units per unit: a quantity is stored as an exact count of nano-units, the finest
/// precision the API server keeps.
const NANO: i128 = 1_000_000_000;
/// The API server caps quantities at 2^63-1 base units; anything past that is refused.
const MAX_NANOS: i128 = i64::MAX as i128 * NANO;
/// More significant digits than anyone writes; past this the input is refused, not computed.
const MAX_DIGITS: usize = 1000;

/// How a quantity was written, which decides how it is written back (as apimachinery does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// No suffix or a decimal one: `500m`, `2`, `1G`.
    DecimalSi,
    /// A binary suffix: `1Gi`, `512Ki`.
    BinarySi,
    /// A decimal exponent: `1e3`, `5E-1`.
    DecimalExponent,
}

/// An exact resource quantity. Equality and order compare values only: `1Gi == 1073741824`.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl std::hash::Hash for Quantity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl Quantity {
    /// Parses the Kubernetes quantity grammar: an optional sign, a decimal number (`1`, `1.`,
    /// `.5`, `1.5`), then an optional suffix (`n u m k M G T P E`, `Ki Mi Gi Ti Pi Ei`) or a
    /// decimal exponent (`e3`, `E-2`). Precision finer than a nano-unit rounds up, as the API
    /// server does.
    pub fn parse(text: &str) -> Result<Quantity, String> {
        let not_a_quantity = || {
            format!(
                "'{}' is not a quantity: write a number with an optional unit, like 500m, 1.5, 2Gi or 1e3",
                shown(text)
            )
        };
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, rest) = split_digits(unsigned);
        let (fraction, suffix) = match rest.strip_prefix('.') {
            Some(after_point) => split_digits(after_point),
            None => ("", rest),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(not_a_quantity());
        }
        let (format, exponent10, exponent2) = parse_suffix(suffix).ok_or_else(not_a_quantity)?;

        // The value is digits × 10^exponent × 2^exponent2 nano-units, digits without leading or
        // trailing zeros.
        let digits = format!("{whole}{fraction}");
        let significant = digits.trim_start_matches('0');
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() {
            return Ok(Quantity { nanos: 0, format });
        }
        let exponent =
            exponent10 + 9 - fraction.len() as i64 + (significant.len() - trimmed.len()) as i64;
        let too_large = || {
            format!(
                "'{}' is too large: a quantity can be at most {}",
                shown(text),
                i64::MAX
            )
        };
        // At least 10^(digits-1+exponent) nano-units; 10^28 is past the maximum.
        if trimmed.len() as i64 - 1 + exponent >= 28 {
            return Err(too_large());
        }
        if trimmed.len() > MAX_DIGITS {
            return Err(format!(
                "'{}' has too many digits (at most {MAX_DIGITS})",
                shown(text)
            ));
        }
        let magnitude = scale(trimmed, exponent, exponent2).ok_or_else(too_large)?;
        if magnitude > MAX_NANOS {
            return Err(too_large());
        }
        let nanos = if negative { -magnitude } else { magnitude };
        Ok(Quantity { nanos, format })
    }

    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// The value in nano-units (`1` is 1_000_000_000).
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the value is a whole number of units (bytes, cores).
    pub fn is_whole_units(&self) -> bool {
        self.nanos % NANO == 0
    }

    /// Whether the value is a whole number of thousandths (millicores).
    pub fn is_whole_millis(&self) -> bool {
        self.nanos % (NANO / 1000) == 0
    }

    /// The sum, or None past the largest quantity. Keeps the receiver's format (the other's
    /// when the receiver is zero), as apimachinery's `Add` does.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        let nanos = self.nanos.checked_add(other.nanos)?;
        (nanos.abs() <= MAX_NANOS).then_some(Quantity {
            nanos,
            format: if self.is_zero() {
                other.format
            } else {
                self.format
            },
        })
    }

    /// Multiplies by the spawner config's `limitFactor` (a plain positive number like "1.2").
    /// The product is exact to the nano-unit (rounded up); [`Quantity::format_cpu`] and
    /// [`Quantity::format_memory`] round it up to millicores or bytes, or round it yourself
    /// with [`Quantity::ceil_millis`] and [`Quantity::ceil_units`].
    pub fn checked_mul_factor(&self, factor: &str) -> Result<Quantity, String> {
        let not_a_factor = || {
            format!(
                "the factor '{}' must be a positive number like 1.2",
                shown(factor)
            )
        };
        let too_large = || format!("{self} × {} is too large", shown(factor));
        let plain = factor
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'+');
        if !plain {
            return Err(not_a_factor());
        }
        let factor_nanos = match Quantity::parse(factor) {
            Ok(parsed) if parsed.nanos > 0 => parsed.nanos,
            Err(error) if error.contains("too large") => return Err(too_large()),
            _ => return Err(not_a_factor()),
        };
        let product = self.nanos.checked_mul(factor_nanos).ok_or_else(too_large)?;
        let nanos = div_away_from_zero(product, NANO);
        if nanos.abs() > MAX_NANOS {
            return Err(too_large());
        }
        Ok(Quantity {
            nanos,
            format: self.format,
        })
    }

    /// Rounded up (away from zero) to a whole thousandth: CPU is scheduled in millicores.
    pub fn ceil_millis(&self) -> Quantity {
        self.ceil_to(NANO / 1000)
    }

    /// Rounded up (away from zero) to a whole unit: memory and storage are whole bytes.
    pub fn ceil_units(&self) -> Quantity {
        self.ceil_to(NANO)
    }

    /// A computed memory size rounded up to what a person would write: whole Mi for a binary
    /// quantity (`1.2 × 1Gi` → `1229Mi`), whole M for a decimal one, whole bytes below that.
    pub fn ceil_readable_bytes(&self) -> Quantity {
        let step = match self.format {
            Format::BinarySi if self.nanos >= 1024 * 1024 * NANO => 1024 * 1024 * NANO,
            Format::DecimalSi if self.nanos >= 1_000_000 * NANO => 1_000_000 * NANO,
            _ => NANO,
        };
        self.ceil_to(step)
    }

    fn ceil_to(&self, step: i128) -> Quantity {
        // Values stay below MAX_NANOS + step, far inside i128.
        Quantity {
            nanos: div_away_from_zero(self.nanos, step) * step,
            format: self.format,
        }
    }

    /// CPU as Kubernetes writes it: rounded up to whole millicores (what the kubelet gives a
    /// container), decimal, with the largest SI suffix that keeps it exact (`0.5` → `500m`,
    /// `2` → `2`, `1.5` → `1500m`).
    pub fn format_cpu(&self) -> String {
        canonical(self.ceil_millis().nanos, Format::DecimalSi)
    }

    /// Memory or storage rounded up to whole bytes, then as apimachinery canonicalises it: a
    /// binary quantity keeps the largest binary suffix that divides it (`1.0Gi` → `1Gi`,
    /// `1.5Gi` → `1536Mi`) and is written in plain bytes when none does (`1.2Gi` →
    /// `1288490189`); a decimal one stays decimal (`1G`).
    pub fn format_memory(&self) -> String {
        canonical(self.ceil_units().nanos, self.format)
    }
}

/// apimachinery's canonical form for the quantity's own format.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&canonical(self.nanos, self.format))
    }
}

/// At most 40 characters of user input, for error messages.
fn shown(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

/// The suffix's format, power of ten and power of two; None when it is not a suffix.
fn parse_suffix(suffix: &str) -> Option<(Format, i64, u32)> {
    let decimal = |exponent| Some((Format::DecimalSi, exponent, 0));
    let binary = |exponent2| Some((Format::BinarySi, 0, exponent2));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            let (negative, digits) = match exponent.as_bytes().first() {
                Some(b'-') => (true, &exponent[1..]),
                Some(b'+') => (false, &exponent[1..]),
                _ => (false, exponent),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Saturates: past a million the value is too large or rounds to one nano-unit
            // either way.
            let magnitude = digits.bytes().fold(0i64, |value, digit| {
                (value * 10 + i64::from(digit - b'0')).min(1_000_000)
            });
            Some((
                Format::DecimalExponent,
                if negative { -magnitude } else { magnitude },
                0,
            ))
        }
    }
}

/// ⌈digits × 10^exponent × 2^exponent2⌉ for significant `digits` (no leading zeros, at most
/// MAX_DIGITS); None when it doesn't fit an i128.
fn scale(digits: &str, exponent: i64, exponent2: u32) -> Option<i128> {
    // Below one nano-unit: digits × 2^exponent2 < 10^(len+19) ≤ 10^-exponent.
    if exponent < 0 && -exponent >= digits.len() as i64 + 19 {
        return Some(1);
    }
    let mut value = BigUint::default();
    for digit in digits.bytes() {
        value.mul_add(10, u32::from(digit - b'0'));
    }
    let mut twos = exponent2;
    while twos > 0 {
        let step = twos.min(31);
        value.mul_add(1 << step, 0);
        twos -= step;
    }
    let mut inexact = false;
    if exponent >= 0 {
        for _ in 0..exponent {
            value.mul_add(10, 0);
        }
    } else {
        let mut tens = -exponent;
        while tens > 0 {
            let step = tens.min(9);
            inexact |= value.div_rem(10u32.pow(step as u32)) != 0;
            tens -= step;
        }
    }
    let whole = i128::try_from(value.to_u128()?).ok()?;
    Some(if inexact { whole + 1 } else { whole })
}

/// Just enough arbitrary precision to parse a quantity exactly: little-endian 32-bit limbs.
#[derive(Default)]
struct BigUint(Vec<u32>);

impl BigUint {
    fn mul_add(&mut self, factor: u32, addend: u32) {
        let mut carry = u64::from(addend);
        for limb in &mut self.0 {
            let value = u64::from(*limb) * u64::from(factor) + carry;
            *limb = value as u32;
            carry = value >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// Divides in place; returns the remainder.
    fn div_rem(&mut self, divisor: u32) -> u32 {
        let mut remainder = 0u64;
        for limb in self.0.iter_mut().rev() {
            let value = (remainder << 32) | u64::from(*limb);
            *limb = (value / u64::from(divisor)) as u32;
            remainder = value % u64::from(divisor);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        remainder as u32
    }

    fn to_u128(&self) -> Option<u128> {
        if self.0.len() > 4 {
            return None;
        }
        Some(
            self.0
                .iter()
                .rev()
                .fold(0u128, |value, limb| (value << 32) | u128::from(*limb)),
        )
    }
}

/// value / divisor, rounded away from zero (apimachinery's RoundUp); divisor > 0.
fn div_away_from_zero(value: i128, divisor: i128) -> i128 {
    let quotient = value / divisor;
    match value % divisor {
        0 => quotient,
        _ if value < 0 => quotient - 1,
        _ => quotient + 1,
    }
}

fn canonical(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".into();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    let nano = NANO as u128;
    // Binary only when exact in whole units and at least 1Ki, else decimal (as apimachinery).
    if format == Format::BinarySi && magnitude.is_multiple_of(nano) && magnitude / nano >= 1024 {
        let mut units = magnitude / nano;
        let mut power = 0;
        while power < 6 && units.is_multiple_of(1024) {
            units /= 1024;
            power += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power];
        return format!("{sign}{units}{suffix}");
    }
    // mantissa × 10^exponent, exponent a multiple of three, mantissa as small as possible.
    let mut mantissa = magnitude;
    let mut exponent: i32 = -9;
    while mantissa.is_multiple_of(10) {
        mantissa /= 10;
        exponent += 1;
    }
    while exponent % 3 != 0 {
        mantissa *= 10;
        exponent -= 1;
    }
    let suffix = if format == Format::DecimalExponent {
        if exponent == 0 {
            String::new()
        } else {
            format!("e{exponent}")
        }
    } else {
        match exponent {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        }
        .to_string()
    };
    // Exponents past 18 can't occur: the maximum is below 10^19 units.
    format!("{sign}{mantissa}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn units(value: i128) -> i128 {
        value * NANO
    }

    #[test]
    fn parses_the_forms_kubernetes_accepts() {
        let cases: &[(&str, i128)] = &[
            ("500m", NANO / 2),
            ("1.5", NANO * 3 / 2),
            ("0.5", NANO / 2),
            (".5", NANO / 2),
            ("1.", NANO),
            ("+1", NANO),
            ("-1", -NANO),
            ("1024Mi", units(1 << 30)),
            ("2Gi", units(2 << 30)),
            ("1.0Gi", units(1 << 30)),
            ("1.5Gi", units(3 << 29)),
            ("0.1Ki", NANO * 1024 / 10),
            ("1e3", units(1000)),
            ("1E-2", NANO / 100),
            ("1e+2", units(100)),
            ("1E", units(1_000_000_000_000_000_000)),
            ("1Ei", units(1 << 60)),
            ("5n", 5),
            ("7u", 7000),
            ("3k", units(3000)),
            ("4M", units(4_000_000)),
            ("000123", units(123)),
            ("0", 0),
            ("-0.000", 0),
        ];
        for &(text, nanos) in cases {
            assert_eq!(q(text).nanos(), nanos, "{text}");
        }
    }

    #[test]
    fn precision_finer_than_a_nano_unit_rounds_up() {
        assert_eq!(q("0.0000000001").nanos(), 1);
        assert_eq!(q("1.0000000001").nanos(), NANO + 1);
        assert_eq!(q("-1.0000000001").nanos(), -NANO - 1);
        assert_eq!(q("1e-1000000000000").nanos(), 1);
        assert_eq!(q("0e99999999999").nanos(), 0);
        let long_fraction = format!("1.{}1", "0".repeat(500));
        assert_eq!(q(&long_fraction).nanos(), NANO + 1);
        // Exact through a binary suffix: 1.0000000001 × 1024 = 1024.0000001024.
        assert_eq!(q("1.0000000001Ki").nanos(), units(1024) + 103);
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        for bad in [
            "",
            " ",
            "1 ",
            " 1",
            "1 Gi",
            "1.2.3",
            "Gi",
            "1GB",
            "1gi",
            "1K",
            "--1",
            "+-1",
            "-",
            ".",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "0x10",
            "1e",
            "1e1.5",
            "1e+",
            "1Ki2",
            "1,5",
            "١",
            "1e3m",
            "1mi",
            "1.5.",
            "e3",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn overflow_is_an_error_that_says_too_large() {
        for huge in [
            "9223372036854775808",
            "8Ei",
            "1e19",
            "10E",
            "1e1000000000000",
            "99999999999999999999999999999999999999999999999999",
            "-9223372036854775808",
        ] {
            let error = Quantity::parse(huge).unwrap_err();
            assert!(error.contains("too large"), "{huge}: {error}");
        }
        assert_eq!(q("9223372036854775807").nanos(), MAX_NANOS);
        assert_eq!(q("-9223372036854775807").nanos(), -MAX_NANOS);
    }

    #[test]
    fn odd_and_very_long_inputs_never_panic() {
        let long_inputs = [
            "9".repeat(100_000),
            format!("0.{}", "0".repeat(100_000)),
            format!("{}1", "0".repeat(100_000)),
            format!("0.{}1", "0".repeat(100_000)),
            format!("1.{}", "3".repeat(100_000)),
            format!("1e{}", "9".repeat(10_000)),
            format!("1e-{}", "9".repeat(10_000)),
            "1".repeat(27),
            "1".repeat(28),
            format!(".{}", "9".repeat(40)),
            "\u{0}".into(),
            "ü".into(),
            "1\u{301}".into(),
            "-.5Ei".into(),
            "9.999999999999999999999999999999Ei".into(),
        ];
        for input in &long_inputs {
            let _ = Quantity::parse(input);
        }
        assert!(
            Quantity::parse(&"9".repeat(100_000))
                .unwrap_err()
                .contains("too large")
        );
        assert_eq!(q(&format!("{}1", "0".repeat(100_000))).nanos(), NANO);
        assert!(Quantity::parse(&format!("1.{}", "3".repeat(100_000))).is_err());
        assert_eq!(q(&format!(".{}", "9".repeat(40))).nanos(), NANO);
        // Error messages quote a bounded excerpt of what was typed.
        let error = Quantity::parse(&format!("x{}", "9".repeat(10_000))).unwrap_err();
        assert!(error.len() < 200, "{error}");
    }

    #[test]
    fn compares_values_not_spellings() {
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1000m"), q("1"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("500m") < q("0.6"));
        assert!(q("-1") < q("0"));
        assert!(q("0").is_zero() && !q("0").is_negative());
        assert!(q("-1m").is_negative());
        let mut sorted = vec![q("2"), q("1Ki"), q("500m"), q("1e2")];
        sorted.sort();
        assert_eq!(sorted, vec![q("500m"), q("2"), q("1e2"), q("1Ki")]);
    }

    #[test]
    fn formats_cpu_in_decimal_si() {
        let cases = [
            ("0.5", "500m"),
            ("2", "2"),
            ("1.5", "1500m"),
            ("1000m", "1"),
            ("0.001", "1m"),
            ("100u", "1m"),
            ("1.0001", "1001m"),
            ("2000", "2k"),
            ("1e3", "1k"),
            ("0", "0"),
            ("-0.5", "-500m"),
            ("250m", "250m"),
        ];
        for (input, canonical) in cases {
            assert_eq!(q(input).format_cpu(), canonical, "{input}");
        }
    }

    #[test]
    fn formats_memory_as_apimachinery_canonicalises() {
        let cases = [
            ("1.0Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("1.5Gi", "1536Mi"),
            ("2Gi", "2Gi"),
            ("0.5Ki", "512"),
            ("1Ki", "1Ki"),
            ("1073741824", "1073741824"),
            ("1G", "1G"),
            ("1000M", "1G"),
            ("5Gi", "5Gi"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("0Gi", "0"),
        ];
        for (input, canonical) in cases {
            assert_eq!(q(input).format_memory(), canonical, "{input}");
            assert_eq!(q(input).to_string(), canonical, "{input}");
            // Canonical text is a fixed point.
            assert_eq!(q(canonical).format_memory(), canonical, "{canonical}");
        }
        // Display stays exact; memory rounds up to a whole byte.
        assert_eq!(q("1E-2").to_string(), "10e-3");
        assert_eq!(q("1E-2").format_memory(), "1");
        assert_eq!(q("100u").to_string(), "100u");
        assert_eq!(q("1.2Gi").to_string(), "1288490188800m");
        assert_eq!(q("1.2Gi").format_memory(), "1288490189");
    }

    #[test]
    fn adds_within_bounds() {
        assert_eq!(
            q("1Gi").checked_add(&q("512Mi")).unwrap().to_string(),
            "1536Mi"
        );
        assert_eq!(q("0").checked_add(&q("1Ki")).unwrap().to_string(), "1Ki");
        assert_eq!(q("500m").checked_add(&q("1.5")).unwrap().to_string(), "2");
        assert!(q("9223372036854775807").checked_add(&q("1")).is_none());
        assert!(q("-9223372036854775807").checked_add(&q("-1n")).is_none());
    }

    #[test]
    fn limit_factor_math_is_exact_and_rounds_up_to_the_resource_unit() {
        let cpu = q("0.5").checked_mul_factor("1.2").unwrap();
        assert_eq!(cpu.ceil_millis().format_cpu(), "600m");
        assert_eq!(
            q("1")
                .checked_mul_factor("1.2")
                .unwrap()
                .ceil_millis()
                .format_cpu(),
            "1200m"
        );
        // 0.333 × 1.5 = 0.4995 → 500m, never below the exact product.
        assert_eq!(
            q("333m")
                .checked_mul_factor("1.5")
                .unwrap()
                .ceil_millis()
                .format_cpu(),
            "500m"
        );
        let memory = q("1.0Gi").checked_mul_factor("1.2").unwrap();
        assert_eq!(memory.nanos(), 1_288_490_188_800_000_000);
        assert_eq!(memory.ceil_units().format_memory(), "1288490189");
        assert_eq!(memory.format_memory(), "1288490189");
        assert_eq!(memory.ceil_units().nanos(), 1_288_490_189_000_000_000);
        assert_eq!(
            q("5Gi")
                .checked_mul_factor("1.2")
                .unwrap()
                .ceil_units()
                .format_memory(),
            "6Gi"
        );
        assert_eq!(
            q("1000M")
                .checked_mul_factor("1.5")
                .unwrap()
                .format_memory(),
            "1500M"
        );
        assert_eq!(q("2Gi").checked_mul_factor("1").unwrap(), q("2Gi"));
        assert_eq!(q("1").checked_mul_factor("1.").unwrap(), q("1"));
    }

    #[test]
    fn limit_factor_refuses_bad_factors_and_overflow() {
        for bad in ["", "none", "0", "-1.2", "1.2Gi", "abc", "1e3", " 1.2"] {
            assert!(q("1").checked_mul_factor(bad).is_err(), "{bad:?}");
        }
        let error = q("8Pi").checked_mul_factor("2000").unwrap_err();
        assert!(error.contains("too large"), "{error}");
        let error = q("9223372036854775807")
            .checked_mul_factor("99999999999999999999")
            .unwrap_err();
        assert!(error.contains("too large"), "{error}");
    }

    #[test]
    fn granularity_checks() {
        assert!(q("500m").is_whole_millis() && !q("500m").is_whole_units());
        assert!(!q("100u").is_whole_millis());
        assert!(q("1Gi").is_whole_units());
        assert!(!q("0.1Ki").is_whole_units());
        assert_eq!(q("0.1Ki").ceil_units().format_memory(), "103");
        assert_eq!(q("-1.5m").ceil_millis().format_cpu(), "-2m");
        assert_eq!(q("1n").ceil_millis().format_cpu(), "1m");
    }
}

#[cfg(test)]
mod readable_limits {
    use super::Quantity;

    fn limit(request: &str, factor: &str) -> String {
        Quantity::parse(request)
            .unwrap()
            .checked_mul_factor(factor)
            .unwrap()
            .ceil_readable_bytes()
            .format_memory()
    }

    #[test]
    fn computed_memory_limits_read_like_a_person_wrote_them() {
        assert_eq!(limit("1Gi", "1.2"), "1229Mi");
        assert_eq!(limit("4Gi", "1.2"), "4916Mi");
        assert_eq!(limit("1Gi", "2"), "2Gi");
        assert_eq!(limit("2G", "1.2"), "2400M");
        assert_eq!(limit("100", "1.5"), "150");
        assert_eq!(limit("512Ki", "1.1"), "576717");
    }
}
