//! Units in scenario files: Kubernetes quantities (`500m`, `128Mi`, `1.5Gi`, `2`) and durations
//! (`250ms`, `1.5s`, `24h`, `1h30m`).
//!
//! Quantities follow Kubernetes' grammar: a decimal number, then a binary suffix (`Ki Mi Gi Ti Pi
//! Ei`), a decimal suffix (`n u m k M G T P E`, none) or an exponent (`e3`, `E-2`). Arithmetic
//! is exact (integers, no floating point), and a value that is not a whole number of the target
//! unit is rounded **up**, as Kubernetes rounds requests: `31.9Gi` is 34,252,621,415 bytes and
//! `0.1m` CPU is 1 millicore. Durations use Go's units (`ns us µs ms s m h`), possibly combined.

use std::fmt;

use meshsim_core::time::SimDuration;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a quantity or duration did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError(pub String);

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed decimal number times `2^pow2 × 10^pow10`.
struct Decimal {
    /// The first 36 significant digits.
    digits: u128,
    /// Whether a non-zero digit was dropped after them (the value is a little larger).
    inexact: bool,
    pow10: i32,
    pow2: u32,
}

const QUANTITY_HELP: &str = "a number with an optional suffix: Ki Mi Gi Ti Pi Ei (powers of 1024), \
     n u m k M G T P E (powers of 1000), or an exponent like 1e3";

/// Quantity suffixes and what they multiply by: `(suffix, power of 10, power of 2)`.
const QUANTITY_SUFFIXES: [(&str, i32, u32); 15] = [
    ("Ki", 0, 10),
    ("Mi", 0, 20),
    ("Gi", 0, 30),
    ("Ti", 0, 40),
    ("Pi", 0, 50),
    ("Ei", 0, 60),
    ("n", -9, 0),
    ("u", -6, 0),
    ("m", -3, 0),
    ("k", 3, 0),
    ("M", 6, 0),
    ("G", 9, 0),
    ("T", 12, 0),
    ("P", 15, 0),
    ("E", 18, 0),
];

/// Single duration units (a duration may combine them: `1h30m`).
const DURATION_UNITS: [&str; 7] = ["ns", "us", "µs", "ms", "s", "m", "h"];

/// Where the number of `s` ends: the one split of number and unit every parser here uses.
fn number_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len())
}

/// Whether `u` is a quantity suffix or a single duration unit (what a value can be written in).
pub fn is_unit(u: &str) -> bool {
    QUANTITY_SUFFIXES.iter().any(|q| q.0 == u) || DURATION_UNITS.contains(&u)
}

/// A value written as a number and one unit (`"60Mi"`, `"2.5ms"`, `"40"`): the number, the unit
/// (empty for none) and whether the number is written without a decimal point. Sweeps
/// interpolate the number and write the unit back, so the unit must be a single quantity
/// suffix or duration unit; the scenario parser then reads the result by the same grammar.
pub fn split_number_unit(s: &str) -> Result<(f64, &str, bool), UnitError> {
    let t = s.trim();
    let end = number_end(t);
    let (num, unit) = t.split_at(end);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| UnitError(format!("`{s}` is not a number with a unit")))?;
    if !unit.is_empty() && !is_unit(unit) {
        return Err(UnitError(format!(
            "`{s}` has unit `{unit}`: expected a number with one unit, Ki Mi Gi Ti Pi Ei (powers of 1024), n u m k M G T P E (powers of 1000) or a duration unit ns us µs ms s m h"
        )));
    }
    Ok((n, unit, !num.contains('.')))
}

fn parse_decimal(s: &str) -> Result<Decimal, UnitError> {
    let bad = || UnitError(format!("`{s}` is not a quantity: expected {QUANTITY_HELP}"));
    let s = s.trim();
    if s.is_empty() {
        return Err(UnitError(format!(
            "empty quantity: expected {QUANTITY_HELP}"
        )));
    }
    if s.starts_with('-') {
        return Err(UnitError(format!(
            "`{s}` is negative; quantities here must be ≥ 0"
        )));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (num, suffix) = s.split_at(number_end(s));
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err(bad());
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    let mut digits: u128 = 0;
    let mut pow10: i32 = 0;
    let mut inexact = false;
    // Keep 36 significant digits (well inside u128); past them, integer digits scale the
    // value and fraction digits only mark it inexact, so any length of "0.000…01" parses.
    let mut kept = 0u32;
    for c in int_part.chars() {
        let d = u128::from(c as u8 - b'0');
        if kept < 36 {
            digits = digits * 10 + d;
            kept += u32::from(digits != 0);
        } else {
            pow10 = pow10.saturating_add(1);
            inexact |= d != 0;
        }
    }
    for c in frac_part.chars() {
        let d = u128::from(c as u8 - b'0');
        if kept < 36 {
            digits = digits * 10 + d;
            kept += u32::from(digits != 0);
            pow10 = pow10.saturating_sub(1);
        } else {
            inexact |= d != 0;
        }
    }
    let (p10, p2) = match suffix {
        "" => (0, 0),
        u if let Some(&(_, p10, p2)) = QUANTITY_SUFFIXES.iter().find(|q| q.0 == u) => (p10, p2),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().map_err(|_| bad())?;
            if !(-100_000..=100_000).contains(&exp) {
                return Err(UnitError(format!("`{s}`: exponent out of range")));
            }
            (exp, 0)
        }
        _ => {
            return Err(UnitError(format!(
                "`{s}` has an unknown unit suffix `{suffix}`: expected {QUANTITY_HELP}"
            )));
        }
    };
    Ok(Decimal {
        digits,
        inexact,
        pow10: pow10.saturating_add(p10),
        pow2: p2,
    })
}

/// `ceil(d × 10^scale10)` as an integer, or an error past `u64::MAX`. A positive value
/// smaller than the unit rounds up to 1, however small (`1e-300` CPU is 1m).
fn to_integer_ceil(d: &Decimal, scale10: i32, original: &str) -> Result<u64, UnitError> {
    let too_big = || UnitError(format!("`{original}` is too large"));
    if d.digits == 0 {
        return Ok(0);
    }
    if d.pow2 >= 100 || d.digits.leading_zeros() < d.pow2 {
        return Err(too_big());
    }
    let num = d.digits << d.pow2;
    let p = d.pow10.saturating_add(scale10);
    let value = if p >= 0 {
        // Digits dropped past the 36th exist only with more than 36 integer digits, which is
        // past u64 whatever the unit, so `inexact` does not matter here.
        let f = 10u128.checked_pow(p.unsigned_abs()).ok_or_else(too_big)?;
        num.checked_mul(f).ok_or_else(too_big)?
    } else {
        match 10u128.checked_pow(p.unsigned_abs()) {
            Some(f) => num / f + u128::from(!num.is_multiple_of(f) || d.inexact),
            // Below 10^-38 of the unit: rounds up to one.
            None => 1,
        }
    };
    u64::try_from(value).map_err(|_| too_big())
}

/// Parses a CPU quantity into millicores (`500m` → 500, `2` → 2000, `0.25` → 250).
pub fn parse_cpu_milli(s: &str) -> Result<u64, UnitError> {
    to_integer_ceil(&parse_decimal(s)?, 3, s)
}

/// Parses a CPU quantity into nanocores (`9559630n` → 9,559,630; `7m` → 7,000,000), as the
/// metrics API reports usage.
pub fn parse_cpu_nano(s: &str) -> Result<u64, UnitError> {
    to_integer_ceil(&parse_decimal(s)?, 9, s)
}

/// Parses a memory quantity into bytes (`128Mi` → 134,217,728; `1G` → 10^9).
pub fn parse_bytes(s: &str) -> Result<u64, UnitError> {
    to_integer_ceil(&parse_decimal(s)?, 0, s)
}

/// Parses a Go-style duration (`250ms`, `1.5s`, `1h30m`, `170us`) into nanoseconds.
pub fn parse_duration(s: &str) -> Result<SimDuration, UnitError> {
    let bad = |why: &str| {
        UnitError(format!(
            "`{s}` is not a duration ({why}): expected a number with a unit ns, us, µs, ms, s, m or h, \
             e.g. `250ms`, `1.5s` or `1h30m`"
        ))
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if t.starts_with('-') {
        return Err(UnitError(format!(
            "`{s}` is negative; durations must be ≥ 0"
        )));
    }
    if t == "0" {
        return Ok(SimDuration::ZERO);
    }
    let mut rest = t;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let n_end = number_end(rest);
        if n_end == rest.len() {
            return Err(bad("missing unit"));
        }
        let (num, tail) = rest.split_at(n_end);
        if num.is_empty() {
            return Err(bad("missing number"));
        }
        let u_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(u_end);
        let scale10 = match unit {
            "ns" => 0,
            "us" | "µs" => 3,
            "ms" => 6,
            "s" => 9,
            "m" => {
                total = add_scaled(total, num, 9, 60).ok_or_else(|| bad("too large"))?;
                rest = next;
                continue;
            }
            "h" => {
                total = add_scaled(total, num, 9, 3600).ok_or_else(|| bad("too large"))?;
                rest = next;
                continue;
            }
            "" => return Err(bad("missing unit")),
            _ => return Err(bad(&format!("unknown unit `{unit}`"))),
        };
        total = add_scaled(total, num, scale10, 1).ok_or_else(|| bad("too large"))?;
        rest = next;
    }
    u64::try_from(total)
        .map(SimDuration::from_nanos)
        .map_err(|_| bad("too large"))
}

/// `total + ceil(num × 10^scale10 × mult)`.
fn add_scaled(total: u128, num: &str, scale10: i32, mult: u128) -> Option<u128> {
    let d = parse_decimal(num).ok()?;
    let v = u128::from(to_integer_ceil(&d, scale10, num).ok()?);
    total.checked_add(v.checked_mul(mult)?)
}

/// Formats millicores the way Kubernetes prints them: `2` for whole cores, else `250m`.
pub fn format_cpu(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Formats bytes with the largest binary suffix that divides them exactly (`128Mi`), else bytes.
pub fn format_bytes(bytes: u64) -> String {
    for (suffix, shift) in [
        ("Ei", 60),
        ("Pi", 50),
        ("Ti", 40),
        ("Gi", 30),
        ("Mi", 20),
        ("Ki", 10),
    ] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return format!("{}{suffix}", bytes >> shift);
        }
    }
    format!("{bytes}")
}

/// Formats a duration with the largest unit that divides it exactly (`250ms`, `2s`, `170us`).
pub fn format_duration(d: SimDuration) -> String {
    let ns = d.as_nanos();
    for (unit, f) in [
        ("h", 3_600_000_000_000u64),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
    ] {
        if ns != 0 && ns.is_multiple_of(f) {
            return format!("{}{unit}", ns / f);
        }
    }
    format!("{ns}ns")
}

macro_rules! unit_type {
    ($name:ident, $inner:ty, $parse:ident, $format:ident, $what:literal, $from_int:expr, $from_float:expr) => {
        #[doc = concat!("A ", $what, " read from a scenario file.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", $what))
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$name, E> {
                        $parse(s).map($name).map_err(|e| E::custom(e.0))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        if v < 0 {
                            return Err(E::custom(format!(
                                "{v} is negative; {} must be ≥ 0",
                                $what
                            )));
                        }
                        #[allow(clippy::redundant_closure_call)]
                        ($from_int)(v as u64)
                            .map($name)
                            .map_err(|e: UnitError| E::custom(e.0))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        #[allow(clippy::redundant_closure_call)]
                        ($from_int)(v)
                            .map($name)
                            .map_err(|e: UnitError| E::custom(e.0))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        if !(v.is_finite() && v >= 0.0) {
                            return Err(E::custom(format!("{v} is not a valid {}", $what)));
                        }
                        #[allow(clippy::redundant_closure_call)]
                        ($from_float)(v)
                            .map($name)
                            .map_err(|e: UnitError| E::custom(e.0))
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&$format(self.0))
            }
        }
    };
}

unit_type!(
    Cpu,
    u64,
    parse_cpu_milli,
    format_cpu,
    "CPU quantity (cores, e.g. `2`, `500m` or 0.5)",
    |v: u64| v
        .checked_mul(1000)
        .ok_or_else(|| UnitError(format!("{v} cores is too large"))),
    |v: f64| parse_cpu_milli(&format!("{v}"))
);

unit_type!(
    Memory,
    u64,
    parse_bytes,
    format_bytes,
    "memory quantity (e.g. `128Mi`, `1.5Gi`, or bytes)",
    |v: u64| Ok::<u64, UnitError>(v),
    |v: f64| parse_bytes(&format!("{v}"))
);

unit_type!(
    Duration,
    SimDuration,
    parse_duration,
    format_duration,
    "duration (e.g. `250ms`, `1.5s`, `24h`)",
    |v: u64| if v == 0 {
        Ok(SimDuration::ZERO)
    } else {
        Err(UnitError(format!(
            "{v} has no unit: write a duration like `{v}ms` or `{v}s`"
        )))
    },
    |v: f64| Err(UnitError(format!(
        "{v} has no unit: write a duration like `{v}ms` or `{v}s`"
    )))
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_and_one_unit_split_by_the_quantity_grammar() {
        assert_eq!(split_number_unit("60Mi"), Ok((60.0, "Mi", true)));
        assert_eq!(split_number_unit("2.5ms"), Ok((2.5, "ms", false)));
        assert_eq!(split_number_unit("40"), Ok((40.0, "", true)));
        assert_eq!(
            split_number_unit("3e3"),
            Err(UnitError(
                "`3e3` has unit `e3`: expected a number with one unit, Ki Mi Gi Ti Pi Ei (powers of 1024), n u m k M G T P E (powers of 1000) or a duration unit ns us µs ms s m h".into()
            ))
        );
        assert!(split_number_unit("1h30m").is_err(), "one unit only");
        assert!(split_number_unit("40Mb").unwrap_err().0.contains("`Mb`"));
        assert!(split_number_unit("Mi").is_err());
        // What the split accepts, the scenario parser reads.
        for (s, bytes) in [("60Mi", 60 << 20), ("1.5Gi", 3 << 29), ("7k", 7000)] {
            assert!(split_number_unit(s).is_ok());
            assert_eq!(parse_bytes(s), Ok(bytes));
        }
    }

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu_milli("500m"), Ok(500));
        assert_eq!(parse_cpu_milli("2"), Ok(2000));
        assert_eq!(parse_cpu_milli("0.25"), Ok(250));
        assert_eq!(parse_cpu_milli("1.5"), Ok(1500));
        assert_eq!(parse_cpu_milli("0.1m"), Ok(1), "rounded up like Kubernetes");
        assert_eq!(parse_cpu_milli("1e3"), Ok(1_000_000));
        assert_eq!(parse_cpu_milli("100u"), Ok(1));
        assert!(parse_cpu_milli("-1").is_err());
        assert!(parse_cpu_milli("abc").is_err());
        assert!(parse_cpu_milli("2cores").is_err());
        assert!(parse_cpu_milli("").is_err());
        assert!(parse_cpu_milli("1.2.3").is_err());
    }

    #[test]
    fn tiny_and_long_quantities_round_up_instead_of_failing() {
        // However small, a positive request rounds up to one unit, as documented.
        assert_eq!(parse_cpu_milli("1e-300"), Ok(1));
        assert_eq!(parse_bytes("1e-300"), Ok(1));
        let tiny = format!("0.{}1", "0".repeat(400));
        assert_eq!(parse_cpu_milli(&tiny), Ok(1));
        assert_eq!(parse_cpu_milli("0"), Ok(0));
        assert_eq!(parse_cpu_milli(&format!("0.{}", "0".repeat(400))), Ok(0));
        // A digit past the 36th that is not zero still rounds up.
        let long = format!("1.{}1", "0".repeat(60));
        assert_eq!(parse_cpu_milli(&long), Ok(1001));
        assert_eq!(parse_bytes(&long), Ok(2));
        let exact = format!("1.{}", "0".repeat(60));
        assert_eq!(parse_bytes(&exact), Ok(1));
        // 2^64 bytes written out in 20 digits is too large; 36+ integer digits too.
        assert!(parse_bytes("18446744073709551616").is_err());
        assert_eq!(parse_bytes("18446744073709551615"), Ok(u64::MAX));
        assert!(
            parse_bytes(&"9".repeat(50))
                .unwrap_err()
                .0
                .contains("too large")
        );
        assert!(
            parse_bytes("1e100001")
                .unwrap_err()
                .0
                .contains("exponent out of range")
        );
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_bytes("128Mi"), Ok(128 << 20));
        assert_eq!(parse_bytes("1.5Gi"), Ok(3 << 29));
        assert_eq!(
            parse_bytes("31.9Gi"),
            Ok(34_252_364_186),
            "ceil(31.9 × 2^30)"
        );
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("100M"), Ok(100_000_000));
        assert_eq!(parse_bytes("1Ki"), Ok(1024));
        assert_eq!(parse_bytes("1Ei"), Ok(1 << 60));
        assert_eq!(parse_bytes("12345"), Ok(12345));
        assert_eq!(parse_bytes("1e3"), Ok(1000));
        assert!(parse_bytes("16Ei").is_err(), "past u64");
        assert!(
            parse_bytes("12Qi")
                .unwrap_err()
                .0
                .contains("unknown unit suffix `Qi`")
        );
        assert!(parse_bytes("1e99").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_millis(1500)));
        assert_eq!(parse_duration("24h"), Ok(SimDuration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(SimDuration::from_secs(5400)));
        assert_eq!(parse_duration("170us"), Ok(SimDuration::from_micros(170)));
        assert_eq!(parse_duration("170µs"), Ok(SimDuration::from_micros(170)));
        assert_eq!(parse_duration("0"), Ok(SimDuration::ZERO));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1000000000h").is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for s in ["500m", "2", "1500m"] {
            assert_eq!(format_cpu(parse_cpu_milli(s).unwrap()), s);
        }
        for s in ["128Mi", "1Gi", "1536Mi", "12345"] {
            assert_eq!(format_bytes(parse_bytes(s).unwrap()), s);
        }
        for s in ["250ms", "2s", "170us", "3h", "90m", "7ns"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }

    #[test]
    fn deserialize_from_toml_strings_and_numbers() {
        #[derive(Deserialize)]
        struct T {
            c: Cpu,
            d: Cpu,
            m: Memory,
            t: Duration,
        }
        let t: T = toml::from_str("c = \"250m\"\nd = 2\nm = \"1Gi\"\nt = \"5s\"").unwrap();
        assert_eq!(
            (t.c.0, t.d.0, t.m.0, t.t.0.as_nanos()),
            (250, 2000, 1 << 30, 5_000_000_000)
        );
        let e = toml::from_str::<T>("c = 1\nd = 1\nm = 1\nt = 10")
            .err()
            .unwrap();
        assert!(e.message().contains("has no unit"), "{}", e.message());
    }
}
